"""Titles of records: `kinds.title_of` names no other record (safe without a viewer, as in
exports), and `titles.safe_title`, the one title the pages, the API and the CLI show, names
an act's victim, an involvement's perpetrator and an information's source only to a viewer
who may see them."""

from __future__ import annotations

import pytest

from sillok.records.kinds import title_of
from sillok.records.models import Act
from sillok.records.presentation import record_as_dict
from sillok.records.titles import TITLE_RELATED, safe_title, viewer_levels

pytestmark = pytest.mark.django_db
NAMES = ("Hidden Kim", "Secret Unit", "Secret Source")


@pytest.fixture
def world(analyst, make_record):
    hidden = make_record(analyst, "person", name="Hidden Kim", sensitivity="restricted")
    unit = make_record(analyst, "organization", name="Secret Unit", sensitivity="restricted")
    event = make_record(analyst, "event", title="Arrest", sensitivity="internal")
    act = make_record(
        analyst,
        "act",
        event=f"E-{event.pk}",
        victim=f"P-{hidden.pk}",
        violation_type="torture.beating",
        date="2015-03",
        sensitivity="internal",
    )
    involvement = make_record(
        analyst,
        "involvement",
        act=f"A-{act.pk}",
        organization=f"O-{unit.pk}",
        degree="direct",
        sensitivity="internal",
    )
    source = make_record(analyst, "source", name="Secret Source", sensitivity="restricted")
    information = make_record(
        analyst,
        "information",
        source=f"S-{source.pk}",
        event=f"E-{event.pk}",
        sensitivity="internal",
    )
    return {"act": act, "involvement": involvement, "information": information}


def test_title_of_names_no_other_record(world):
    act, involvement, information = world["act"], world["involvement"], world["information"]
    assert title_of(act) == f"{act.violation_type.label} (2015-03)"
    assert title_of(involvement) == f"{involvement.degree.label} — A-{act.pk}"
    assert title_of(information).endswith(f"— S-{information.source_id}")
    for record in world.values():
        assert not any(name in title_of(record) for name in NAMES), record


def test_the_safe_title_names_related_records_only_to_those_cleared_for_them(
    analyst, reader, world
):
    for record in world.values():
        shown = safe_title(record, viewer_levels(reader))
        assert "someone you may not see" in shown
        assert not any(name in shown for name in NAMES)
    assert safe_title(world["act"], viewer_levels(analyst)).endswith("— Hidden Kim")
    assert "Secret Unit" in safe_title(world["involvement"], viewer_levels(analyst))
    assert "Secret Source" in safe_title(world["information"], viewer_levels(analyst))


def test_pages_and_the_api_show_the_same_title(client_for, analyst, reader, world):
    act = Act.objects.select_related(*TITLE_RELATED["act"]).get(pk=world["act"].pk)
    for user in (analyst, reader):
        expected = safe_title(act, viewer_levels(user))
        assert record_as_dict(user, act)["title"] == expected
        page = client_for(user).get(f"/records/acts/{act.pk}/")
        assert page.status_code == 200 and page.context["title"] == expected
