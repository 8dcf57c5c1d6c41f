"""Fixtures for the legal assessment tests (issue 15).

``frameworks``
    The shipped legal frameworks are in the database (loaded like the vocabularies);
    returns ``{code: Framework}``.
``rome``
    The Rome Statute framework (code ``rome-statute``).
``element``
    ``element(code)`` is the Rome Statute element with that code ("art7-1-f.1").
``case_file``
    A case file opened by ``legal_expert`` against the standard ``standard-rgb``.
``second_legal_expert``
    Another legal expert (username ``second_legal_expert``), not a member of any case.
``suspect_unit``
    A suspect of ``case_file``: an internal organization record "Unit 7".
``torture_charge``
    A charge of ``case_file``: torture (art7-1-f) × ``suspect_unit`` × commission (art25-3-a).
``make_item``
    ``make_item(user, text="...", sensitivity="internal", compartment=None, pages=None,
    duration=None)`` is an evidence item with a text derivative (its details state the page
    count or the duration when given), made directly with the models.
"""

from __future__ import annotations

import io

import pytest


@pytest.fixture
def frameworks(vocabularies) -> dict:
    """The `vocabularies` fixture of tests/conftest.py loads the shipped frameworks too."""
    from sillok.assessment.models import Framework

    return {framework.code: framework for framework in Framework.objects.all()}


@pytest.fixture
def rome(frameworks):
    return frameworks["rome-statute"]


@pytest.fixture
def element(rome):
    from sillok.assessment.models import Element

    def find(code: str) -> Element:
        return Element.objects.get(framework=rome, code=code)

    return find


@pytest.fixture
def second_legal_expert(make_user):
    return make_user("second_legal_expert", "legal-expert")


@pytest.fixture
def case_file(legal_expert, rome, element):
    from sillok.assessment.services import do_create_case

    return do_create_case(
        legal_expert,
        "Detention facility 14",
        framework=rome,
        standard=element("standard-rgb"),
        strategy="Start with the torture of detainees.",
    )


@pytest.fixture
def suspect_unit(legal_expert, case_file, make_record, documentation_officer):
    from sillok.assessment.services import do_add_suspect

    unit = make_record(documentation_officer, "organization", name="Unit 7", sensitivity="internal")
    return do_add_suspect(legal_expert, case_file, organization=unit)


@pytest.fixture
def torture_charge(legal_expert, case_file, suspect_unit, element):
    from sillok.assessment.services import do_add_charge

    return do_add_charge(
        legal_expert,
        case_file,
        crime=element("art7-1-f"),
        suspect=suspect_unit,
        mode=element("art25-3-a"),
    )


@pytest.fixture
def make_item(repo_home):
    """Items with a text derivative, made with the models (intake is tested elsewhere)."""
    from django.db import transaction

    from sillok.custody.audit import lock_head
    from sillok.custody.services import put_blob, record_blob
    from sillok.evidence.models import FileRole, Item, ItemFile

    def store(user, item, content: bytes, **fields):
        put = put_blob(io.BytesIO(content))
        with transaction.atomic():
            lock_head()
            blob = record_blob(user, put, reason="test").blob
            return ItemFile.objects.create(
                item=item, blob=blob, sha256=put.sha256, size=put.size, **fields
            )

    def make(
        user,
        *,
        title: str = "Interview notes",
        text: str = "The guards beat the detainees every night.",
        sensitivity: str = "internal",
        compartment=None,
        pages: int | None = None,
        duration: float | None = None,
        kind: str = "document",
    ) -> Item:
        item = Item.objects.create(
            created_by=user,
            title=title,
            kind=kind,
            sensitivity=sensitivity,
            compartment=compartment,
        )
        original = store(
            user,
            item,
            f"{title}\n{text}\n{item.pk}".encode(),
            role=FileRole.ORIGINAL,
            media_type="text/plain",
        )
        details: dict = {"characters": len(text)}
        if pages is not None:
            details["pages"] = pages
        if duration is not None:
            details["duration_s"] = duration
        store(
            user,
            item,
            text.encode(),
            role=FileRole.DERIVATIVE,
            kind="transcript" if duration is not None else "text",
            media_type="text/plain; charset=utf-8",
            derived_from=original,
            details=details,
        )
        return item

    return make
