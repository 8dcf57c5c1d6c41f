"""A small corpus for the search tests, indexed through the real indexer.

Personas: documentation_officer (cleared for everything, member of compartment "case-a"),
analyst (up to restricted, not a member), partner (adds items, sees only its own), outsider.

    victim    person "김정철" / Kim Jong Chol, male, internal, from North Hamgyong (KP-09)
    secret    person "박영희" / Pak Yong Hui, female, STRICTLY CONFIDENTIAL
    event     "Detention at Hoeryong" (internal, 2015-03, at the Hoeryong MSS detention
              centre, in Hoeryong City, in KP-09): "holding centre"
    beaten    act torture.beating, victim, 2015-03, internal: "interrogation", "고문을"
    again     act torture.beating, victim = secret, 2016-05, internal: "Beaten again"
    sealed    act torture.water in compartment case-a, 2017, internal: "interrogation"
    interview testimony, restricted, 2015: "고문당했다 ... tortured"
    rations   event "Food rations stopped" (internal, 2010, Musan County, in KP-09)
    mine      item of the partner (internal): "Partner report on rations"
    theirs    item of the officer (internal): "Officer scan of rations list"

Every expectation in the tests names (kind, id) sets and exact counts, so that the SQLite
and the PostgreSQL runs check the very same results.
"""

from __future__ import annotations

from typing import Any


def build_corpus(personas: dict[str, Any], make_record) -> dict[str, Any]:
    from sillok.accounts.compartments import do_create_compartment, do_grant
    from sillok.evidence.models import Item
    from sillok.search.indexing import process_queue, reindex

    officer = personas["documentation_officer"]
    do_create_compartment(None, "case-a", name="Case A")
    do_grant(None, "case-a", officer.username)
    officer.refresh_from_db()
    from sillok.accounts.clearance import forget_compartments

    forget_compartments(officer)

    def rec(kind: str, **values: Any) -> Any:
        return make_record(officer, kind, **values)

    from sillok.vocab.models import Place

    musan = Place.objects.get(kind="county", label_en__startswith="Musan")
    w: dict[str, Any] = {}
    w["victim"] = rec(
        "person",
        name="김정철",
        name_latin="Kim Jong Chol",
        sex="male",
        birth_year="1960",
        origin="KP-09",
        sensitivity="internal",
    )
    w["secret"] = rec(
        "person",
        name="박영희",
        name_latin="Pak Yong Hui",
        sex="female",
        birth_year="2003",
        sensitivity="strictly_confidential",
    )
    w["event"] = rec(
        "event",
        title="Detention at Hoeryong",
        description="Arrested and detained at the holding centre for weeks.",
        place="guryujang_hoeryong_mss",
        date="2015-03",
        sensitivity="internal",
    )
    w["beaten"] = rec(
        "act",
        event=f"E-{w['event'].pk}",
        victim=f"P-{w['victim'].pk}",
        violation_type="torture.beating",
        date="2015-03",
        description="The guards beat him during interrogation. 보위부 구류장에서 고문을 받았다.",
        sensitivity="internal",
    )
    w["again"] = rec(
        "act",
        event=f"E-{w['event'].pk}",
        victim=f"P-{w['secret'].pk}",
        violation_type="torture.beating",
        date="2016-05",
        description="Beaten again while in detention.",
        sensitivity="internal",
    )
    w["sealed"] = rec(
        "act",
        event=f"E-{w['event'].pk}",
        violation_type="torture.water",
        date="2017",
        description="Water was used during the interrogation of the sealed case.",
        sensitivity="internal",
        compartment="case-a",
    )
    w["interview"] = rec(
        "testimony",
        title="Interview 7",
        witness=f"P-{w['victim'].pk}",
        summary="보위부에서 고문당했다고 증언했다. He said he was tortured.",
        sensitivity="restricted",
    )
    w["rations"] = rec(
        "event",
        title="Food rations stopped",
        description="Rations were stopped for the whole town.",
        place=musan.code,
        date="2010",
        sensitivity="internal",
    )
    w["mine"] = Item.objects.create(
        title="Partner report on rations",
        kind="document",
        description="Notes from the partner about rations.",
        sensitivity="internal",
        created_by=personas["partner"],
    )
    w["theirs"] = Item.objects.create(
        title="Officer scan of rations list",
        kind="document",
        description="A scanned list of rations.",
        sensitivity="internal",
        created_by=officer,
    )
    process_queue()
    reindex(kinds=["item"])  # items made with the ORM here may have queued nothing
    return w


def ref(w: dict[str, Any], *names: str) -> set[tuple[str, int]]:
    """{(kind, id)} of the named corpus objects."""
    kinds = {
        "victim": "person",
        "secret": "person",
        "event": "event",
        "rations": "event",
        "beaten": "act",
        "again": "act",
        "sealed": "act",
        "interview": "testimony",
        "mine": "item",
        "theirs": "item",
    }
    return {(kinds[name], w[name].pk) for name in names}


def found(results: Any) -> set[tuple[str, int]]:
    return {(hit.kind, hit.id) for hit in results.hits}


def counts(results: Any, facet: str) -> dict[str, int]:
    return {c.value: c.count for c in results.facets.get(facet, [])}
