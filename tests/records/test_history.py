"""Which versions of a record a reader may see (records/history.py), the one rule behind the
history pages, the API and the CLI: every version is listed, but one recorded at a
sensitivity the reader is not cleared for is withheld (not found, not restorable), and the
version after it is compared with nothing."""

from __future__ import annotations

import pytest

from sillok.records.fields import clean_values
from sillok.records.history import version_changes, version_for, visible_versions
from sillok.records.resolve import Resolver
from sillok.records.services import do_update_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def pseudonymised(documentation_officer, make_record):
    """A person first recorded strictly confidential under a real name, then pseudonymised
    and made restricted (analysts are cleared for restricted, not strictly confidential)."""
    person = make_record(
        documentation_officer, "person", name="Real Name", sensitivity="strictly_confidential"
    )
    values = clean_values(
        "person",
        {"name": "Witness 12", "sensitivity": "restricted"},
        Resolver(documentation_officer),
        partial=True,
    )
    return do_update_record(
        documentation_officer, person, values, expected_revision=1, reason="pseudonymised"
    )


def test_every_version_is_listed_and_those_above_the_readers_clearance_are_withheld(
    analyst, documentation_officer, pseudonymised
):
    listed = visible_versions(analyst, pseudonymised)
    assert [(v.number, v.withheld) for v in listed] == [(1, True), (2, False)]
    assert [v.withheld for v in visible_versions(documentation_officer, pseudonymised)] == [
        False,
        False,
    ]


def test_a_withheld_version_is_not_found_and_the_next_one_compares_with_nothing(
    analyst, documentation_officer, pseudonymised
):
    assert version_for(analyst, pseudonymised, 1) is None
    assert version_for(analyst, pseudonymised, 9) is None
    assert version_changes(analyst, pseudonymised, 1) is None
    second = version_changes(analyst, pseudonymised, 2)
    assert second.previous is None and second.previous_withheld
    assert "Real Name" not in str([(c.before, c.after) for c in second.changes])
    cleared = version_changes(documentation_officer, pseudonymised, 2)
    assert cleared.previous.number == 1 and not cleared.previous_withheld
    assert any(c.field == "name" and c.before == "Real Name" for c in cleared.changes)
    first = version_changes(documentation_officer, pseudonymised, 1)
    assert first.previous is None and not first.previous_withheld


def test_the_history_pages_apply_the_same_rule(client_for, analyst, pseudonymised):
    client = client_for(analyst)
    base = f"/records/persons/{pseudonymised.pk}"
    history = client.get(f"{base}/history/")
    assert [(v.number, v.withheld) for v in history.context["versions"]] == [
        (2, False),
        (1, True),
    ]
    assert f'href="{base}/versions/1/"' not in history.content.decode()
    assert client.get(f"{base}/versions/1/").status_code == 404
    second = client.get(f"{base}/versions/2/")
    assert second.status_code == 200
    assert second.context["previous"] is None and second.context["previous_withheld"]
    assert "Real Name" not in second.content.decode()
    restore = client.post(f"{base}/versions/1/restore/", {"reason": "x", "revision": 2})
    assert restore.status_code == 404
