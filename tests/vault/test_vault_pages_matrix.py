"""The identity vault's pages and services, for every persona, with each answer stated as a
literal. Vault keepers alone see and change the vault; everyone else is refused (403) before
anything is read, the refusal is audited as `vault.denied` and nothing else, and the entry
stays as it was. Every persona's session is freshly re-authenticated, so that a refusal can
only come from the permission check; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.test import Client

from sillok.custody.models import AuditEntry
from sillok.vault import services
from sillok.vault.models import VaultEntry, VaultField
from tests.write_matrix import NO, OK, answers

pytestmark = pytest.mark.django_db

PSEUDONYM = "W-1"
REAL_NAME = "김영희"
PURPOSE = "arrange a follow-up interview for case 12"


class TestVaultPages:
    """(method, path, body) -> status per persona. {pk} is the witness's entry."""

    PAGES = {
        "vault:entries": ("get", "/vault/", {}),
        "vault:add form": ("get", "/vault/add/", {}),
        "vault:entry": ("get", "/vault/{pk}/", {}),
        "vault:reveal": ("post", "/vault/{pk}/reveal/", {"purpose": PURPOSE}),
        "vault:add": (
            "post",
            "/vault/add/",
            {"pseudonym": PSEUDONYM, "field": "address", "value": "Hoeryong, station district"},
        ),
        "vault:shred": (
            "post",
            "/vault/{pk}/shred/",
            {"reason": "consent withdrawn", "confirm": "yes"},
        ),
    }
    # fmt: off
    #                             doc  analyst legal keeper manager partner auditor admin outsider
    EXPECTED = {
        "vault:entries": answers( 403, 403,   403,  200,   403,    403,    403,    403,  403),
        "vault:add form": answers(403, 403,   403,  200,   403,    403,    403,    403,  403),
        "vault:entry": answers(   403, 403,   403,  200,   403,    403,    403,    403,  403),
        "vault:reveal": answers(  403, 403,   403,  200,   403,    403,    403,    403,  403),
        # stored or shredded, then to the entry page (the keeper's shred runs last)
        "vault:add": answers(     403, 403,   403,  302,   403,    403,    403,    403,  403),
        "vault:shred": answers(   403, 403,   403,  302,   403,    403,    403,    403,  403),
    }
    # fmt: on
    # What each page changes when the keeper uses it.
    CHANGES = {"vault:add", "vault:shred"}

    @pytest.fixture
    def witness(self, vault_keeper):
        entry, _ = services.do_add_field(vault_keeper, PSEUDONYM, "real_name", REAL_NAME)
        services.do_add_field(vault_keeper, PSEUDONYM, "contact", "+82-10-5555-0199")
        return entry

    @staticmethod
    def _state(entry: VaultEntry) -> tuple:
        row = VaultEntry.objects.filter(pk=entry.pk).values_list("shredded_at", "wrapped_key")
        return (VaultEntry.objects.count(), VaultField.objects.count(), *row.get())

    def test_every_page_answers_each_persona_as_stated(
        self, witness, personas, reauthenticated_client_for
    ):
        wrong = []
        clients = {name: reauthenticated_client_for(user) for name, user in personas.items()}
        # The keeper last: its add and shred change the entry the others must not change.
        order = [name for name in personas if name != "vault_keeper"] + ["vault_keeper"]
        for persona in order:
            for page, (method, path, body) in self.PAGES.items():
                before = self._state(witness)
                seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
                response = getattr(clients[persona], method)(path.format(pk=witness.pk), body)
                audited = list(
                    AuditEntry.objects.filter(seq__gt=seq).values_list("action", flat=True)
                )
                expected = self.EXPECTED[page][persona]
                cell = f"{page} {persona}"
                if response.status_code != expected:
                    wrong.append(f"{cell}: {response.status_code}, expected {expected}")
                if expected == 403:
                    if audited != ["vault.denied"]:
                        wrong.append(f"{cell}: audited {audited}")
                    if self._state(witness) != before:
                        wrong.append(f"{cell}: refused but changed the vault")
                    text = response.content.decode()
                    if PSEUDONYM in text or REAL_NAME in text:
                        wrong.append(f"{cell}: the refusal shows the entry")
                elif page in self.CHANGES and self._state(witness) == before:
                    wrong.append(f"{cell}: answered {expected} but changed nothing")
        assert not wrong, "\n".join(wrong)

    def test_the_keeper_is_offered_adding_and_shredding(
        self, witness, vault_keeper, reauthenticated_client_for
    ):
        client = reauthenticated_client_for(vault_keeper)
        listing = client.get("/vault/").content.decode()
        page = client.get(f"/vault/{witness.pk}/").content.decode()
        offered = {
            "add to the vault": 'href="/vault/add/"' in listing,
            "add a detail": f'href="/vault/add/?pseudonym={PSEUDONYM}"' in page,
            "shred": f'action="/vault/{witness.pk}/shred/"' in page,
        }
        assert offered == {"add to the vault": True, "add a detail": True, "shred": True}

    def test_the_keeper_without_a_recent_reauthentication_is_sent_to_reauthenticate(
        self, witness, vault_keeper, client_for
    ):
        client = client_for(vault_keeper)
        answers = {}
        for page, (method, path, body) in self.PAGES.items():
            response = getattr(client, method)(path.format(pk=witness.pk), body)
            answers[page] = (
                response.status_code,
                "/accounts/reauth/" in response.get("Location", ""),
            )
        assert answers == {
            "vault:entries": (200, False),
            "vault:add form": (302, True),
            "vault:entry": (302, True),
            "vault:reveal": (302, True),
            "vault:add": (302, True),
            "vault:shred": (302, True),
        }
        assert self._state(witness)[:2] == (1, 2)

    def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_read(self, witness):
        for page, (method, path, body) in self.PAGES.items():
            response = getattr(Client(), method)(path.format(pk=witness.pk), body)
            assert response.status_code == 302, page
            assert response["Location"].startswith("/accounts/login/"), page
        assert self._state(witness)[:2] == (1, 2)


class TestVaultServices:
    """The services refuse everyone but the keeper, whatever the page does."""

    # fmt: off
    #                  doc  analyst legal keeper manager partner auditor admin outsider
    EXPECTED = answers(NO,  NO,     NO,   OK,    NO,     NO,     NO,     NO,   NO,
                       refused="VaultRefused")
    # fmt: on
    OPERATIONS = {
        "visible_entries": lambda user, entry: list(services.visible_entries(user, via="test")),
        "access_entry": lambda user, entry: services.access_entry(user, entry.pk, via="test"),
        "do_open": lambda user, entry: services.do_open(user, PSEUDONYM, PURPOSE),
        "do_add_entry": lambda user, entry: services.do_add_entry(user, f"W-{user.pk}-new"),
        "do_add_field": lambda user, entry: services.do_add_field(
            user, PSEUDONYM, "address", "Hoeryong"
        ),
        "do_shred": lambda user, entry: services.do_shred(user, PSEUDONYM, "consent withdrawn"),
    }

    def test_every_service_answers_each_persona_as_stated(self, personas, vault_keeper):
        entry, _ = services.do_add_field(vault_keeper, PSEUDONYM, "real_name", REAL_NAME)
        wrong = []
        order = [name for name in personas if name != "vault_keeper"] + ["vault_keeper"]
        for persona in order:
            for name, operation in self.OPERATIONS.items():
                before = TestVaultPages._state(entry)
                try:
                    operation(personas[persona], entry)
                    got = OK
                except services.VaultError as exc:
                    got = type(exc).__name__
                if got != self.EXPECTED[persona]:
                    wrong.append(f"{name} {persona}: {got}, expected {self.EXPECTED[persona]}")
                if got != OK and TestVaultPages._state(entry) != before:
                    wrong.append(f"{name} {persona}: refused but changed the vault")
        assert not wrong, "\n".join(wrong)
        assert VaultEntry.objects.get(pk=entry.pk).is_shredded  # the keeper's shred, last
