"""The vault's pages: keepers only, re-authentication, reveal once, shred, add."""

from __future__ import annotations

import pytest

from sillok.vault import services
from sillok.vault.models import VaultEntry

pytestmark = pytest.mark.django_db

PURPOSE = "arrange a follow-up interview for case 12"


@pytest.fixture
def witness(vault_keeper):
    entry, _ = services.do_add_field(vault_keeper, "W-1", "real_name", "김영희", kind="witness")
    services.do_add_field(vault_keeper, "W-1", "contact", "+82-10-5555-0199")
    return entry


@pytest.fixture
def keeper_client(reauthenticated_client_for, vault_keeper):
    return reauthenticated_client_for(vault_keeper)


def test_the_keeper_sees_pseudonyms_but_no_values_in_the_list(keeper_client, witness):
    response = keeper_client.get("/vault/")
    assert response.status_code == 200
    assert "W-1" in response.text and "김영희" not in response.text
    assert "no-store" in response["Cache-Control"]


def test_the_entry_page_names_the_fields_kept_but_not_their_values(keeper_client, witness):
    response = keeper_client.get(f"/vault/{witness.pk}/")
    assert response.status_code == 200
    assert "Real name" in response.text and "Contact" in response.text
    assert "김영희" not in response.text and "5555" not in response.text


@pytest.mark.parametrize("persona", ["analyst", "documentation_officer", "admin", "outsider"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/vault/"),
        ("get", "/vault/{pk}/"),
        ("post", "/vault/{pk}/reveal/"),
        ("post", "/vault/{pk}/shred/"),
        ("post", "/vault/add/"),
    ],
)
def test_everyone_but_the_keeper_is_refused_and_audited(
    persona, method, path, witness, request, reauthenticated_client_for, audit_actions
):
    user = request.getfixturevalue(persona)
    client = reauthenticated_client_for(user)
    data = {
        "purpose": PURPOSE,
        "reason": "consent withdrawn",
        "confirm": "yes",
        "pseudonym": "W-1",
        "field": "address",
        "value": "Hoeryong",
    }
    response = getattr(client, method)(path.format(pk=witness.pk), data)
    assert response.status_code == 403
    assert "김영희" not in response.text
    assert audit_actions()[-1][:2] == (persona, "vault.denied")
    witness.refresh_from_db()
    assert not witness.is_shredded and witness.fields.count() == 2


def test_the_entry_page_and_reveal_ask_for_reauthentication(client_for, vault_keeper, witness):
    client = client_for(vault_keeper)
    assert client.get("/vault/").status_code == 200
    for response in (
        client.get(f"/vault/{witness.pk}/"),
        client.post(f"/vault/{witness.pk}/reveal/", {"purpose": PURPOSE}),
    ):
        assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]


def test_reveal_shows_the_values_once_without_caching(keeper_client, witness, audit_actions):
    response = keeper_client.post(f"/vault/{witness.pk}/reveal/", {"purpose": PURPOSE})
    assert response.status_code == 200
    assert "김영희" in response.text and "+82-10-5555-0199" in response.text
    assert "no-store" in response["Cache-Control"]
    assert audit_actions()[-1][1:] == (
        "vault.open",
        {"fields": ["real_name", "contact"], "pseudonym": "W-1", "purpose": PURPOSE, "via": "web"},
    )
    # Nothing of it comes back on the next page (no session, no message).
    assert "김영희" not in keeper_client.get(f"/vault/{witness.pk}/").text


def test_reveal_without_a_purpose_is_refused(keeper_client, witness, audit_actions):
    response = keeper_client.post(f"/vault/{witness.pk}/reveal/", {"purpose": "look"})
    assert response.status_code == 400
    assert "state the purpose" in response.text and "김영희" not in response.text
    assert not [a for a in audit_actions() if a[1] == "vault.open"]


def test_the_keeper_adds_a_new_entry_and_a_detail(keeper_client, make_record, analyst):
    person = make_record(analyst, "person", name="Witness 9", sensitivity="internal")
    response = keeper_client.post(
        "/vault/add/",
        {
            "pseudonym": "W-9",
            "kind": "relative",
            "person": f"P-{person.pk}",
            "field": "family_location",
            "value": "Musan county, North Hamgyong",
        },
    )
    entry = VaultEntry.objects.get(pseudonym="W-9")
    assert response.status_code == 302 and response["Location"] == f"/vault/{entry.pk}/"
    assert entry.kind == "relative" and entry.person == person
    revealed = services.do_open(entry.created_by, "W-9", PURPOSE)
    assert revealed.fields[0].value == "Musan county, North Hamgyong"


def test_an_empty_value_is_not_stored_and_not_echoed(keeper_client):
    response = keeper_client.post(
        "/vault/add/", {"pseudonym": "W-9", "kind": "other", "field": "nowhere", "value": "x y"}
    )
    assert response.status_code == 400 and "unknown field" in response.text
    assert ">x y<" not in response.text
    assert not VaultEntry.objects.exists()


def test_shredding_needs_confirmation_then_destroys(keeper_client, witness):
    url = f"/vault/{witness.pk}/shred/"
    response = keeper_client.post(url, {"reason": "consent withdrawn"})
    assert response.status_code == 400
    witness.refresh_from_db()
    assert not witness.is_shredded
    response = keeper_client.post(url, {"reason": "consent withdrawn", "confirm": "yes"})
    assert response.status_code == 302
    page = keeper_client.get(f"/vault/{witness.pk}/").text
    assert "Shredded" in page and "consent withdrawn" in page and "Reveal" not in page
    response = keeper_client.post(f"/vault/{witness.pk}/reveal/", {"purpose": PURPOSE})
    assert response.status_code == 400 and "shredded" in response.text


def test_the_person_page_shows_the_vault_badge_to_keepers_only(
    make_record, analyst, vault_keeper, client_for
):
    person = make_record(analyst, "person", name="Witness 7", sensitivity="internal")
    services.do_add_field(vault_keeper, "W-7", "real_name", "박철수", person=f"P-{person.pk}")
    url = f"/records/persons/{person.pk}/"
    assert "identity in vault" in client_for(vault_keeper).get(url).text
    page = client_for(analyst).get(url)
    assert page.status_code == 200 and "identity in vault" not in page.text
