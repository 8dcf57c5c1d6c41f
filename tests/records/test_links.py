"""Typed, two-directional links between records, chain of events, and who sees them."""

from __future__ import annotations

import pytest

from sillok.evidence.models import Item
from sillok.records.access import RecordActionRefused
from sillok.records.fields import RecordValuesError
from sillok.records.links import links_of

pytestmark = pytest.mark.django_db


def test_a_link_reads_one_way_from_each_end(analyst, make_record):
    chief = make_record(analyst, "person", name="Officer Ri", roles="perpetrator")
    guard = make_record(analyst, "person", name="Guard Pak", roles="perpetrator")
    link = make_record(
        analyst,
        "link",
        **{
            "from": f"P-{chief.pk}",
            "to": f"P-{guard.pk}",
            "relation": "superior_of",
            "certainty": "likely",
            "comment": "Named by two witnesses",
        },
    )
    [from_chief] = links_of(analyst, "person", chief.pk)
    [from_guard] = links_of(analyst, "person", guard.pk)
    assert (from_chief.label, from_chief.other_id, from_chief.outgoing) == (
        link.relation.label_en,
        guard.pk,
        True,
    )
    assert from_guard.label == link.relation.data["reverse"]["en"]
    assert (from_guard.other_kind, from_guard.other_id, from_guard.outgoing) == (
        "person",
        chief.pk,
        False,
    )
    assert link.certainty == "likely" and link.created_by == analyst


def test_the_reverse_label_is_korean_for_korean_users(analyst, make_record):
    from django.utils import translation

    a = make_record(analyst, "person", name="A")
    b = make_record(analyst, "person", name="B")
    link = make_record(
        analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "superior_of"}
    )
    with translation.override("ko"):
        [view] = links_of(analyst, "person", b.pk)
    assert view.label == link.relation.data["reverse"]["ko"]


def test_a_person_can_be_linked_to_a_detention_facility_with_supporting_items(analyst, make_record):
    from sillok.vocab.queries import search_places

    person = make_record(analyst, "person", name="Witness 21")
    camp = search_places("요덕", kinds=["facility"])[0]
    item = Item.objects.create(title="Interview recording", kind="audio", sensitivity="restricted")
    link = make_record(
        analyst,
        "link",
        **{
            "from": f"P-{person.pk}",
            "to": f"place:{camp.pk}",
            "relation": "detained_at",
            "items": str(item.pk),
        },
    )
    assert list(link.items.all()) == [item]
    [view] = links_of(analyst, "person", person.pk)
    assert (view.other_kind, view.other_id) == ("place", camp.pk)


def test_chain_of_events_joins_events_only(analyst, make_record):
    arrest = make_record(analyst, "event", title="Arrest in Musan", date="2016-04")
    trial = make_record(analyst, "event", title="Trial", date="2016-09")
    person = make_record(analyst, "person", name="Witness 22")
    make_record(
        analyst, "link", **{"from": f"E-{arrest.pk}", "to": f"E-{trial.pk}", "relation": "precedes"}
    )
    with pytest.raises(RecordActionRefused, match="joins event → event"):
        make_record(
            analyst,
            "link",
            **{"from": f"E-{arrest.pk}", "to": f"P-{person.pk}", "relation": "precedes"},
        )


def test_self_links_and_repeated_links_are_refused(analyst, make_record):
    a = make_record(analyst, "person", name="A")
    b = make_record(analyst, "person", name="B")
    with pytest.raises(RecordActionRefused, match="to itself"):
        make_record(
            analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{a.pk}", "relation": "relative_of"}
        )
    make_record(
        analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "relative_of"}
    )
    with pytest.raises(RecordActionRefused, match="already exists"):
        make_record(
            analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "relative_of"}
        )


def test_a_link_to_a_record_the_user_cannot_see_cannot_be_made_or_seen(
    analyst, legal_expert, documentation_officer, make_record
):
    protected = make_record(
        documentation_officer,
        "person",
        name="Protected witness",
        sensitivity="strictly_confidential",
    )
    victim = make_record(documentation_officer, "person", name="Victim 1")
    with pytest.raises(RecordValuesError, match="not one you may see"):
        make_record(
            analyst,
            "link",
            **{"from": f"P-{victim.pk}", "to": f"P-{protected.pk}", "relation": "relative_of"},
        )
    make_record(
        documentation_officer,
        "link",
        **{"from": f"P-{victim.pk}", "to": f"P-{protected.pk}", "relation": "relative_of"},
    )
    # The analyst (no strictly-confidential clearance) sees no trace of it; the legal expert does.
    assert links_of(analyst, "person", victim.pk) == []
    assert len(links_of(legal_expert, "person", victim.pk)) == 1


def test_withdrawn_links_are_hidden_unless_asked_for(analyst, make_record):
    from sillok.records.services import do_withdraw_record

    a = make_record(analyst, "person", name="A")
    b = make_record(analyst, "person", name="B")
    link = make_record(
        analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "possibly_same_as"}
    )
    do_withdraw_record(analyst, link, reason="not the same person after all")
    assert links_of(analyst, "person", a.pk) == []
    assert len(links_of(analyst, "person", a.pk, include_withdrawn=True)) == 1


def test_a_record_page_worth_of_links_takes_a_fixed_number_of_queries(
    analyst, make_record, django_assert_max_num_queries
):
    witness = make_record(analyst, "person", name="Witness 30")
    hub = make_record(analyst, "testimony", title="Interview 30", witness=f"P-{witness.pk}")
    for n in range(30):
        if n % 2:
            other = f"E-{make_record(analyst, 'event', title=f'Event {n}').pk}"
        else:
            other = f"P-{make_record(analyst, 'person', name=f'Person {n}').pk}"
        make_record(analyst, "link", **{"from": f"T-{hub.pk}", "to": other, "relation": "mentions"})
    with django_assert_max_num_queries(8):
        views = links_of(analyst, "testimony", hub.pk)
    assert len(views) == 30


def test_lists_of_links_leave_out_links_to_records_the_user_cannot_see(
    analyst, legal_expert, documentation_officer, make_record
):
    from sillok.records.access import visible_records

    protected = make_record(
        documentation_officer,
        "person",
        name="Protected witness",
        sensitivity="strictly_confidential",
    )
    victim = make_record(documentation_officer, "person", name="Victim 2")
    other = make_record(documentation_officer, "person", name="Victim 3")
    hidden = make_record(
        documentation_officer,
        "link",
        **{"from": f"P-{protected.pk}", "to": f"P-{victim.pk}", "relation": "relative_of"},
    )
    shown = make_record(
        documentation_officer,
        "link",
        **{"from": f"P-{victim.pk}", "to": f"P-{other.pk}", "relation": "relative_of"},
    )
    assert list(visible_records(analyst, "link")) == [shown]
    assert set(visible_records(legal_expert, "link")) == {hidden, shown}


def test_a_link_cannot_join_another_link(analyst, make_record):
    a = make_record(analyst, "person", name="A")
    b = make_record(analyst, "person", name="B")
    link = make_record(
        analyst, "link", **{"from": f"P-{a.pk}", "to": f"P-{b.pk}", "relation": "relative_of"}
    )
    with pytest.raises(RecordValuesError, match="not a link"):
        make_record(
            analyst, "link", **{"from": f"P-{a.pk}", "to": f"L-{link.pk}", "relation": "mentions"}
        )
