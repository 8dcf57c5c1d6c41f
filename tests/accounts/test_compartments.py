"""Compartments: who may see compartmented material, putting records and items into one,
refused access audited and alerting admins, the alerts page, and `sillok compartment`."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import mail
from django.core.cache import cache

from sillok.accounts.clearance import forget_compartments
from sillok.accounts.compartments import (
    CompartmentError,
    do_create_compartment,
    do_grant,
    do_revoke,
)
from sillok.custody.models import AuditEntry
from sillok.records.fields import RecordValuesError, clean_values
from sillok.records.resolve import Resolver

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(db):
    return do_create_compartment(None, "case-7", name="Case 7", description="a test case")


@pytest.fixture
def ingest_item(repo_home, tmp_path):
    """ingest_item(actor, title, **metadata) -> item id, through the real intake."""
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_ingest_file
    from sillok.evidence.metadata import check_metadata

    def ingest(actor, title: str, **raw) -> int:
        path = tmp_path / f"{title}.txt"
        path.write_text(title, encoding="utf-8")
        result = do_ingest_file(
            actor,
            path,
            filename=path.name,
            metadata=check_metadata({"title": title, **raw}),
            context=HandlingContext(channel="cli", place="test", reason="test"),
        )
        return result.item

    return ingest


def person_in(user, case, name: str, *, sensitivity: str = "public"):
    from sillok.records.services import do_create_record

    values = {"name": name, "sensitivity": sensitivity, "compartment": case}
    return do_create_record(user, "person", values)


# --- the rule --------------------------------------------------------------------------------


def test_admins_and_superusers_see_compartmented_material_only_as_members(
    admin, case, client_for, ingest_item
):
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    item = ingest_item(None, "case-photo", compartment="case-7", sensitivity="public")
    person = person_in(admin, case, "Kim Case")
    client = client_for(admin)
    assert client.get(f"/items/{item}/").status_code == 404
    assert client.get(f"/records/persons/{person.pk}/").status_code == 404
    do_grant(None, "case-7", "admin")
    client = client_for(admin)
    page = client.get(f"/items/{item}/")
    assert page.status_code == 200 and "case-7 · Case 7" in page.content.decode()
    assert client.get(f"/api/v1/items/{item}").json()["compartment"] == "case-7"
    assert client.get(f"/records/persons/{person.pk}/").status_code == 200


def test_a_revoked_member_no_longer_sees_the_compartment(analyst, case, client_for):
    do_grant(None, "case-7", "analyst")
    person = person_in(analyst, case, "Pak Case")
    assert client_for(analyst).get(f"/records/persons/{person.pk}/").status_code == 200
    assert do_revoke(None, "case-7", "analyst") is True
    assert client_for(analyst).get(f"/records/persons/{person.pk}/").status_code == 404
    assert do_revoke(None, "case-7", "analyst") is False


def test_api_totals_and_counts_leave_out_what_the_user_may_not_see(
    analyst, case, client_for, ingest_item
):
    from sillok.records.services import do_create_record

    ingest_item(None, "open", sensitivity="public")
    ingest_item(None, "closed", sensitivity="public", compartment="case-7")
    do_create_record(analyst, "person", {"name": "Open Person", "sensitivity": "public"})
    do_grant(None, "case-7", "analyst")
    person_in(analyst, case, "Closed Person")
    do_revoke(None, "case-7", "analyst")
    client = client_for(analyst)
    items = client.get("/api/v1/items").json()
    assert items["total"] == 1 and [i["title"] for i in items["items"]] == ["open"]
    persons = client.get("/api/v1/records/persons").json()
    assert persons["total"] == 1 and persons["items"][0]["values"]["name"] == "Open Person"
    counts = {c["kind"].name: c["count"] for c in client.get("/records/").context["counts"]}
    assert counts["person"] == 1


# --- refused access: audit entry, log line, mail, alerts page ------------------------------


def test_refused_access_to_an_existing_item_is_audited_logged_and_mailed_once(
    analyst, case, client_for, ingest_item, settings, caplog
):
    settings.ADMINS = ["security@example.org"]
    cache.clear()
    item = ingest_item(None, "hidden", sensitivity="public", compartment="case-7")
    client = client_for(analyst)
    with caplog.at_level(logging.WARNING, logger="sillok.security"):
        assert client.get(f"/items/{item}/").status_code == 404
        assert client.get(f"/api/v1/items/{item}").status_code == 404
    entries = list(AuditEntry.objects.filter(action="access.denied").order_by("seq"))
    assert [(e.object_type, e.object_id, e.actor_name) for e in entries] == [
        ("item", str(item), "analyst"),
        ("item", str(item), "analyst"),
    ]
    assert [e.details for e in entries] == [
        {"via": "web", "reason": "compartment"},
        {"via": "api", "reason": "compartment"},
    ]
    assert "access denied: user=analyst item=" in caplog.text
    # One mail per user per interval: probing many ids does not flood the admins.
    assert len(mail.outbox) == 1
    assert "analyst" in mail.outbox[0].body and mail.outbox[0].to == ["security@example.org"]


def test_a_mail_relay_that_is_down_leaves_the_refusal_a_plain_404(
    analyst, case, client_for, ingest_item, settings, caplog, monkeypatch
):
    def relay_down(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("sillok.accounts.clearance.mail_admins", relay_down)
    settings.ADMINS = ["security@example.org"]
    cache.clear()
    item = ingest_item(None, "hidden", sensitivity="public", compartment="case-7")
    with caplog.at_level(logging.WARNING, logger="sillok.security"):
        assert client_for(analyst).get(f"/items/{item}/").status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").count() == 1
    assert "could not mail the administrators" in caplog.text


def test_the_reason_names_the_missing_clearance(manager, analyst, client_for, make_record):
    secret = make_record(analyst, "person", name="Secret", sensitivity="strictly_confidential")
    assert client_for(manager).get(f"/records/persons/{secret.pk}/").status_code == 404
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.details == {"via": "web", "reason": "sensitivity"}
    assert (entry.object_type, entry.object_id) == ("person", str(secret.pk))


def test_a_missing_id_is_not_an_alert(analyst, client_for):
    assert client_for(analyst).get("/items/999999/").status_code == 404
    assert client_for(analyst).get("/records/persons/999999/").status_code == 404
    assert not AuditEntry.objects.filter(action="access.denied").exists()


def test_the_alerts_page_lists_refusals_newest_first_for_audit_readers_only(
    analyst, auditor, case, client_for, make_record
):
    first = make_record(analyst, "person", name="One", sensitivity="strictly_confidential")
    second = make_record(analyst, "person", name="Two", sensitivity="strictly_confidential")
    client = client_for(analyst)
    client.get(f"/records/persons/{first.pk}/")
    client.get(f"/api/v1/records/persons/{second.pk}")
    assert client.get("/accounts/alerts/").status_code == 403
    page = client_for(auditor).get("/accounts/alerts/")
    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert [(r.action, r.object_id, r.actor_name) for r in rows] == [
        ("access.denied", str(second.pk), "analyst"),
        ("access.denied", str(first.pk), "analyst"),
    ]
    html = page.content.decode()
    assert "reason: sensitivity" in html and 'href="/accounts/alerts/"' in html
    # The record's name is not in the alert: entries hold ids only.
    assert "One" not in html.split("<main", 1)[-1]


# --- putting records and items into a compartment ----------------------------------------


def test_a_record_goes_only_into_a_compartment_its_author_is_in(analyst, case, vocabularies):
    with pytest.raises(RecordValuesError) as refused:
        clean_values("person", {"name": "X", "compartment": "case-7"}, Resolver(analyst))
    assert "member" in refused.value.errors["compartment"]
    with pytest.raises(RecordValuesError) as missing:
        clean_values("person", {"name": "X", "compartment": "nope"}, Resolver(analyst))
    # A missing compartment reads the same as one the author is not in.
    assert (
        missing.value.errors["compartment"].replace("'nope'", "'case-7'")
        == (refused.value.errors["compartment"])
    )
    do_grant(None, "case-7", "analyst")
    forget_compartments(analyst)  # a request loads its user afresh; this test keeps one
    values = clean_values("person", {"name": "X", "compartment": "case-7"}, Resolver(analyst))
    assert values["compartment"] == case


def test_the_compartment_is_on_the_record_page_in_the_api_and_in_the_history(
    analyst, case, client_for
):
    do_grant(None, "case-7", "analyst")
    client = client_for(analyst)
    created = client.post(
        "/api/v1/records/persons",
        data={"values": {"name": "Ri", "compartment": "case-7"}},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.get(f"/api/v1/records/persons/{pk}").json()["values"]["compartment"] == "case-7"
    page = client.get(f"/records/persons/{pk}/").content.decode()
    assert "case-7" in page and "Case 7" in page
    history = client.get(f"/api/v1/records/persons/{pk}/history/1").json()
    assert history["snapshot"]["compartment"] == case.pk


def test_a_version_from_a_compartment_the_reader_is_not_in_is_withheld(
    analyst, legal_expert, case, client_for
):
    from sillok.records.history import version_for, visible_versions
    from sillok.records.services import do_update_record

    do_grant(None, "case-7", "analyst")
    person = person_in(analyst, case, "Moved Out")
    person = do_update_record(analyst, person, {"compartment": None}, expected_revision=1)
    versions = visible_versions(legal_expert, person)
    assert [v.withheld for v in versions] == [True, False]
    assert version_for(legal_expert, person, 1) is None
    page = client_for(legal_expert).get(f"/records/persons/{person.pk}/versions/1/")
    assert page.status_code == 404


def test_a_title_does_not_name_a_victim_in_a_compartment_the_reader_is_not_in(
    analyst, legal_expert, case, make_record
):
    from sillok.records.titles import visible_titles

    do_grant(None, "case-7", "analyst")
    victim = person_in(analyst, case, "Hidden Victim")
    event = make_record(analyst, "event", title="Event")
    act = make_record(
        analyst, "act", event=f"E-{event.pk}", victim=f"P-{victim.pk}", violation_type="torture"
    )
    assert "Hidden Victim" in visible_titles(analyst, "act", {act.pk})[act.pk]
    title = visible_titles(legal_expert, "act", {act.pk})[act.pk]
    assert "Hidden Victim" not in title and "someone you may not see" in title


def test_items_go_only_into_a_compartment_the_submitter_is_in(
    documentation_officer, case, ingest_item
):
    from sillok.evidence.access import ActionRefused
    from sillok.evidence.models import Item

    with pytest.raises(ActionRefused, match="member"):
        ingest_item(documentation_officer, "refused", compartment="case-7")
    assert not Item.objects.filter(title="refused").exists()
    do_grant(None, "case-7", "documentation_officer")
    forget_compartments(documentation_officer)
    item = ingest_item(documentation_officer, "accepted", compartment="case-7")
    assert Item.objects.get(pk=item).compartment == case


# --- services and the command ------------------------------------------------------------


def test_compartment_services_are_audited_and_check_their_input(analyst):
    created = do_create_compartment(None, "Case-9", name="  Case nine ")
    assert (created.code, created.name) == ("case-9", "Case nine")
    with pytest.raises(CompartmentError, match="already exists"):
        do_create_compartment(None, "case-9", name="again")
    with pytest.raises(CompartmentError, match="not a compartment code"):
        do_create_compartment(None, "no spaces", name="x")
    with pytest.raises(CompartmentError, match="no user"):
        do_grant(None, "case-9", "nobody")
    assert do_grant(None, "case-9", "analyst") is True
    assert do_grant(None, "case-9", "analyst") is False
    actions = list(
        AuditEntry.objects.filter(object_type="compartment").values_list("action", "details")
    )
    assert actions == [
        ("compartment.created", {"code": "case-9"}),
        ("compartment.granted", {"code": "case-9", "user_id": analyst.pk}),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_compartment_command_creates_grants_lists_and_revokes(analyst, vocabularies):
    from sillok.testing.cli import run_sillok

    created = run_sillok("compartment", "create", "case-3", "--name", "Case three")
    assert created.returncode == 0, created.stderr
    assert run_sillok("compartment", "grant", "case-3", "analyst").returncode == 0
    listed = run_sillok("compartment", "list", "--json")
    assert json.loads(listed.stdout) == [
        {"code": "case-3", "name": "Case three", "description": "", "members": ["analyst"]}
    ]
    assert run_sillok("compartment", "revoke", "case-3", "analyst").returncode == 0
    assert not analyst.compartments.exists()
    unknown = run_sillok("compartment", "grant", "case-404", "analyst")
    assert unknown.returncode == 2 and "no compartment 'case-404'" in unknown.stderr


@pytest.mark.django_db(transaction=True)
def test_a_refusal_on_the_command_line_is_audited_as_cli(analyst, vocabularies):
    from sillok.records.services import do_create_record
    from sillok.testing.cli import run_sillok

    compartment = do_create_compartment(None, "case-5", name="Case five")
    person = do_create_record(analyst, "person", {"name": "Cli Hidden", "compartment": compartment})
    shown = run_sillok("record", "show", f"P-{person.pk}", "--as", "analyst")
    assert shown.returncode == 2 and "Cli Hidden" not in shown.stdout
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.details == {"via": "cli", "reason": "compartment"}
