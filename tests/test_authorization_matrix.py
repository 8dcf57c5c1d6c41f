"""Every page and every API operation is in the matrix below, and each refuses the anonymous
visitor and the outsider (a user with no role) as the matrix says. A new URL or operation
that is not added here fails `test_the_matrix_names_every_*` (STYLE rule 10).

The ids in the paths ({item}, {record}, {entry}, ...) are those of real objects the tests
create first (`probed`): a refusal must hold for what exists, and no response may carry the
title, name or pseudonym of any of them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# operation_id -> (method, path with {object} ids, status for the outsider)
API = {
    "health": ("get", "/api/v1/health", 200),
    "me": ("get", "/api/v1/me", 200),
    "list_tokens": ("get", "/api/v1/tokens", 200),
    "create_token": ("post", "/api/v1/tokens", 403),  # body below
    "revoke_token": ("delete", "/api/v1/tokens/{token}", 404),
    "list_items": ("get", "/api/v1/items", 200),  # an empty list: nothing is visible
    "create_item": ("post", "/api/v1/items", 403),
    "get_item": ("get", "/api/v1/items/{item}", 404),
    "item_custody": ("get", "/api/v1/items/{item}/custody", 404),
    "item_text": ("get", "/api/v1/items/{item}/text", 404),
    "file_content": ("get", "/api/v1/items/{item}/files/{file}/content", 404),
    "update_item": ("patch", "/api/v1/items/{item}", 404),
    "item_history": ("get", "/api/v1/items/{item}/history", 404),
    "restore_item_version": ("post", "/api/v1/items/{item}/restore/1", 404),
    "start_upload": ("post", "/api/v1/uploads", 403),
    "get_upload": ("get", "/api/v1/uploads/{upload}", 404),
    "put_upload_chunk": ("put", "/api/v1/uploads/{upload}?offset=0", 404),
    "complete_upload": ("post", "/api/v1/uploads/{upload}/complete", 404),
    "abort_upload": ("delete", "/api/v1/uploads/{upload}", 404),
    "list_records": ("get", "/api/v1/records/persons", 200),  # an empty list
    "create_record": ("post", "/api/v1/records/persons", 403),
    "get_record": ("get", "/api/v1/records/persons/{record}", 404),
    "update_record": ("patch", "/api/v1/records/persons/{record}", 404),
    "record_history": ("get", "/api/v1/records/persons/{record}/history", 404),
    "record_version": ("get", "/api/v1/records/persons/{record}/history/1", 404),
    "restore_record_version": ("post", "/api/v1/records/persons/{record}/restore/1", 404),
    "review_record": ("post", "/api/v1/records/persons/{record}/review", 404),
    "withdraw_record": ("post", "/api/v1/records/persons/{record}/withdraw", 404),
    "reinstate_record": ("post", "/api/v1/records/persons/{record}/reinstate", 404),
    "record_links": ("get", "/api/v1/records/persons/{record}/links", 404),
    "record_corroboration": ("get", "/api/v1/records/acts/{record}/corroboration", 404),
    "list_vocabularies": ("get", "/api/v1/vocab", 403),
    "list_terms": ("get", "/api/v1/vocab/violations/terms", 403),
    "search_places": ("get", "/api/v1/places?q=Hoeryong", 403),
    "get_place": ("get", "/api/v1/places/KP-09", 403),
    # Legal frameworks: readable with case or record access; no role, no frameworks.
    "list_frameworks": ("get", "/api/v1/frameworks", 403),
    "get_framework": ("get", "/api/v1/frameworks/rome-statute", 403),
    "search": ("get", "/api/v1/search?q=kim", 403),  # no role: no search (not even a count)
    # Case files: no view_cases, no list (403); a case is "not found" (404), like its rows.
    "list_cases": ("get", "/api/v1/cases", 403),
    "create_case": ("post", "/api/v1/cases", 403),
    "get_case": ("get", "/api/v1/cases/{case}", 404),
    "update_case": ("patch", "/api/v1/cases/{case}", 404),
    "case_versions": ("get", "/api/v1/cases/{case}/versions", 404),
    "add_case_member": ("post", "/api/v1/cases/{case}/members", 404),
    "add_suspect": ("post", "/api/v1/cases/{case}/suspects", 404),
    "add_charge": ("post", "/api/v1/cases/{case}/charges", 404),
    "link_evidence": ("post", "/api/v1/cases/{case}/links", 404),
    "reassess_link": ("patch", "/api/v1/cases/{case}/links/{case_link}", 404),
    "create_task": ("post", "/api/v1/cases/{case}/tasks", 404),
    "update_task": ("patch", "/api/v1/cases/{case}/tasks/{case_task}", 404),
    "withdraw_case_row": ("post", "/api/v1/cases/{case}/links/{case_link}/withdraw", 404),
    # The proof matrix, element assessments, gaps, suspects' chains and patterns (api_matrix).
    "case_matrix": ("get", "/api/v1/cases/{case}/matrix", 404),
    "assess_element": (
        "post",
        "/api/v1/cases/{case}/charges/{case_charge}/elements/art7-1-f.1/assess",
        404,
    ),
    "submit_assessment": ("post", "/api/v1/cases/{case}/assessments/{case_assessment}/submit", 404),
    "confirm_assessment": (
        "post",
        "/api/v1/cases/{case}/assessments/{case_assessment}/confirm",
        404,
    ),
    "return_assessment": ("post", "/api/v1/cases/{case}/assessments/{case_assessment}/return", 404),
    "case_gaps": ("get", "/api/v1/cases/{case}/gaps", 404),
    "task_from_gap": ("post", "/api/v1/cases/{case}/gaps/task", 404),
    "suspect_profile": ("get", "/api/v1/cases/{case}/suspects/{case_suspect}/profile", 404),
    "superior_paths": ("get", "/api/v1/cases/{case}/suspects/{case_suspect}/superior-paths", 404),
    "list_patterns": ("get", "/api/v1/cases/{case}/patterns", 404),
    "run_pattern": ("post", "/api/v1/cases/{case}/patterns", 404),
    "rerun_pattern": ("post", "/api/v1/cases/{case}/patterns/{case_pattern}/rerun", 404),
}

# Well-formed bodies, so that a refusal comes from the permission check, not validation.
BODIES = {
    "create_token": {"data": {"name": "script"}, "content_type": "application/json"},
    "create_item": {"data": {"file": SimpleUploadedFile("a.txt", b"some text")}},
    "start_upload": {
        "data": {"filename": "a.txt", "size": 9},
        "content_type": "application/json",
    },
    "put_upload_chunk": {"data": b"some text", "content_type": "application/octet-stream"},
    "create_record": {"data": {"values": {"name": "Kim"}}, "content_type": "application/json"},
    "update_record": {
        "data": {"values": {"name": "Kim"}, "revision": 1},
        "content_type": "application/json",
    },
    "restore_record_version": {"data": {}, "content_type": "application/json"},
    "update_item": {
        "data": {"values": {"title": "Changed"}, "revision": 1, "reason": "typo"},
        "content_type": "application/json",
    },
    "restore_item_version": {
        "data": {"revision": 1, "reason": "undo"},
        "content_type": "application/json",
    },
    "review_record": {"data": {"action": "complete"}, "content_type": "application/json"},
    "withdraw_record": {"data": {"reason": "duplicate"}, "content_type": "application/json"},
    "reinstate_record": {"data": {}, "content_type": "application/json"},
    "create_case": {"data": {"title": "Mine"}, "content_type": "application/json"},
    "update_case": {"data": {"revision": 1, "title": "x"}, "content_type": "application/json"},
    "add_case_member": {"data": {"username": "outsider"}, "content_type": "application/json"},
    "add_suspect": {"data": {"ref": "O-1"}, "content_type": "application/json"},
    "add_charge": {
        "data": {"crime": "art7-1-f", "suspect": "O-1", "mode": "art25-3-a"},
        "content_type": "application/json",
    },
    "link_evidence": {
        "data": {"element": "art7-1-f.1", "evidence": "X-1"},
        "content_type": "application/json",
    },
    "reassess_link": {"data": {"revision": 1, "weight": "low"}, "content_type": "application/json"},
    "create_task": {"data": {"title": "Interview"}, "content_type": "application/json"},
    "update_task": {"data": {"revision": 1, "status": "done"}, "content_type": "application/json"},
    "withdraw_case_row": {"data": {"reason": "duplicate"}, "content_type": "application/json"},
    "assess_element": {"data": {"comment": "x"}, "content_type": "application/json"},
    "confirm_assessment": {"data": {"comment": "ok"}, "content_type": "application/json"},
    "return_assessment": {"data": {"comment": "redo"}, "content_type": "application/json"},
    "task_from_gap": {
        "data": {"key": "1:art7-1-f.2:no_evidence"},
        "content_type": "application/json",
    },
    "run_pattern": {
        "data": {"element": "art7-context.widespread-systematic", "title": "x", "query": {}},
        "content_type": "application/json",
    },
}

# URL name -> (path, status for the outsider with GET); anonymous visitors are sent to login.
PAGES = {
    "workspace:home": ("/", 200),
    "accounts:account": ("/accounts/", 200),
    "accounts:login": ("/accounts/login/", 302),  # already signed in: sent home
    "accounts:logout": ("/accounts/logout/", 405),
    "accounts:verify": ("/accounts/verify/", 302),
    "accounts:enrol": ("/accounts/enrol/", 200),
    "accounts:tokens": ("/accounts/tokens/", 200),
    "accounts:token_revoke": ("/accounts/tokens/{token}/revoke/", 405),
    "accounts:alerts": ("/accounts/alerts/", 403),
    "accounts:reauth": ("/accounts/reauth/", 200),
    "accounts:security_key_add": ("/accounts/security-keys/add/", 302),  # to re-authenticate
    "accounts:webauthn_register_options": ("/accounts/security-keys/add/options/", 405),
    "accounts:webauthn_challenge": ("/accounts/security-keys/challenge/", 405),
    "accounts:device_remove": ("/accounts/devices/remove/", 405),
    "evidence:items": ("/items/", 200),
    "evidence:upload": ("/items/upload/", 403),
    "evidence:item": ("/items/{item}/", 404),
    "evidence:file": ("/items/{item}/files/{file}/", 404),
    "evidence:item_edit": ("/items/{item}/edit/", 404),
    "evidence:item_history": ("/items/{item}/history/", 404),
    "evidence:item_restore": ("/items/{item}/versions/1/restore/", 405),
    "set_language": ("/i18n/setlang/", 302),
    # Documentation records: no view_record, no records (403); a record is "not found" (404).
    "records:home": ("/records/", 403),
    "records:list": ("/records/persons/", 403),
    "records:create": ("/records/acts/new/", 403),
    "records:record": ("/records/persons/{record}/", 404),
    "records:edit": ("/records/persons/{record}/edit/", 404),
    "records:history": ("/records/persons/{record}/history/", 404),
    "records:version": ("/records/persons/{record}/versions/1/", 404),
    "records:restore": ("/records/persons/{record}/versions/1/restore/", 405),
    "records:link_add": ("/records/persons/{record}/links/add/", 405),
    "records:submit": ("/records/persons/{record}/review/send/", 405),
    "records:complete_review": ("/records/persons/{record}/review/complete/", 405),
    "records:return_review": ("/records/persons/{record}/review/return/", 405),
    "records:withdraw": ("/records/persons/{record}/withdraw/", 405),
    "records:reinstate": ("/records/persons/{record}/reinstate/", 405),
    "records:lookup": ("/records/lookup/persons/?q=kim", 403),
    "records:lookup_places": ("/records/lookup/places/?q=hoeryong", 403),
    "records:lookup_terms": ("/records/lookup/terms/violations/?q=torture", 403),
    # Spreadsheet import and export: the permission is checked before anything else.
    "records:import": ("/records/import/", 403),
    "records:import_mapping": ("/records/import/nokey0000000000000/", 403),
    "records:import_run": ("/records/import/nokey0000000000000/run/", 403),
    "records:import_done": ("/records/import/nokey0000000000000/done/", 403),
    "records:export": ("/records/export/", 403),
    # Redacted copies: the permission (review or change) is checked first; asking is POST.
    "redaction:reviews": ("/redaction/", 403),
    "redaction:review": ("/redaction/{review}/", 403),
    "redaction:decide": ("/redaction/{review}/decide/", 405),
    "redaction:request": ("/redaction/items/{item}/request/", 405),
    "vocab:index": ("/vocab/", 403),
    "vocab:vocabulary": ("/vocab/violations/", 403),
    "vocab:term": ("/vocab/violations/terms/{term}/", 403),
    "vocab:term_add": ("/vocab/violations/terms/add/", 403),
    "vocab:places": ("/vocab/places/", 403),
    "vocab:place_add": ("/vocab/places/add/", 403),
    # Case files: no view_cases, no list and no "add to case" (403); a case is "not found"
    # (404) like its rows; the forms posted to a case refuse a GET (405).
    "assessment:cases": ("/cases/", 403),
    "assessment:add": ("/cases/add/?evidence=X-{item}", 403),
    "assessment:case": ("/cases/{case}/", 404),
    "assessment:case_edit": ("/cases/{case}/edit/", 405),
    "assessment:member_add": ("/cases/{case}/members/add/", 405),
    "assessment:suspect_add": ("/cases/{case}/suspects/add/", 405),
    "assessment:suspect": ("/cases/{case}/suspects/{case_suspect}/", 404),
    "assessment:charge_add": ("/cases/{case}/charges/add/", 405),
    "assessment:task_add": ("/cases/{case}/tasks/add/", 405),
    "assessment:task_update": ("/cases/{case}/tasks/{case_task}/", 405),
    "assessment:matrix": ("/cases/{case}/matrix/", 404),
    "assessment:link_add": ("/cases/{case}/charges/{case_charge}/elements/art7-1-f.1/link/", 405),
    "assessment:element_assess": (
        "/cases/{case}/charges/{case_charge}/elements/art7-1-f.1/assess/",
        405,
    ),
    "assessment:link_reassess": ("/cases/{case}/links/{case_link}/reassess/", 405),
    "assessment:link_withdraw": ("/cases/{case}/links/{case_link}/withdraw/", 405),
    "assessment:assessment_submit": ("/cases/{case}/assessments/{case_assessment}/submit/", 405),
    "assessment:assessment_review": ("/cases/{case}/assessments/{case_assessment}/review/", 405),
    "assessment:gap_task": ("/cases/{case}/gaps/task/", 405),
    "assessment:matrix-export": ("/cases/{case}/matrix/export/?format=xlsx", 404),
    # Legal frameworks (read-only): case or record access, else refused.
    "assessment:frameworks": ("/cases/frameworks/", 403),
    "assessment:framework": ("/cases/frameworks/rome-statute/", 403),
    # The identity vault: vault keepers only, refused (and audited) before anything else.
    "vault:entries": ("/vault/", 403),
    "vault:add": ("/vault/add/", 403),
    "vault:entry": ("/vault/{entry}/", 403),
    "vault:reveal": ("/vault/{entry}/reveal/", 405),
    "vault:shred": ("/vault/{entry}/shred/", 405),
    # Search: anyone signed in may search (results reflect what they may see); saved
    # searches are their owner's alone (anyone else's is "not found").
    "search:search": ("/search/?q=mxitem%20OR%20mxperson", 200),
    "search:save": ("/search/save/", 405),
    "search:saved": ("/search/saved/", 200),
    "search:saved_detail": ("/search/saved/{saved}/", 404),
    "search:saved_seen": ("/search/saved/{saved}/seen/", 405),
    "search:saved_delete": ("/search/saved/{saved}/delete/", 405),
    # Checkpoints sent by other repositories: POST only, authenticated by their signature.
    "custody:witness_receive": ("/witness/checkpoints", 405),
}
# Pages anyone may reach, and POST-only ones that refuse a GET before anything else.
PUBLIC_PAGES = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    "accounts:token_revoke",
    "custody:witness_receive",
}


def _named_patterns(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "api":
                continue  # operations are checked through the OpenAPI document
            names |= _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_the_matrix_names_every_api_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"] for methods in schema["paths"].values() for op in methods.values()
    }
    assert operations == set(API)


def test_the_matrix_names_every_page():
    assert _named_patterns(get_resolver()) == set(PAGES)


# Ids of objects that do not exist, for tests that probe the paths without making them.
MISSING_IDS = {
    "item": 999999,
    "file": 999999,
    "record": 999999,
    "token": 999999,
    "upload": "nokey",
    "term": 999999,
    "entry": 999999,
    "review": 999999,
    "saved": 999999,
    "case": 999999,
    "case_link": 999999,
    "case_task": 999999,
    "case_suspect": 999999,
    "case_charge": 999999,
    "case_assessment": 999999,
    "case_pattern": 999999,
}
# What the probed objects are called: none of it may appear in any response to the outsider
# or an anonymous visitor.
SECRETS = {
    "item": "azprobe item title",
    "text": "azprobe testimony text",
    "record": "azprobe person name",
    "pseudonym": "AZ-PROBE-7",
    "real name": "박영수",
    "saved": "azprobe saved search",
    "token": "azprobe token name",
    "upload": "azprobe-upload.txt",
    "case": "azprobe case title",
}


@pytest.fixture
def probed(
    documentation_officer, analyst, vault_keeper, legal_expert, make_record, repo_home
) -> dict:
    """One object of every kind a path names, none of them the outsider's: {name: id}."""
    import io

    from django.db import transaction

    from sillok.accounts.tokens import do_create_token
    from sillok.custody.audit import lock_head
    from sillok.custody.services import put_blob, record_blob
    from sillok.evidence.models import FileRole, Item, ItemFile
    from sillok.evidence.uploads import do_start_upload
    from sillok.redaction.services import do_request_redaction
    from sillok.search.saved import do_save_search
    from sillok.vault.services import do_add_field
    from sillok.vocab.models import Term

    item = Item.objects.create(
        created_by=documentation_officer, title=SECRETS["item"], sensitivity="public"
    )
    files = []
    for role, kind in ((FileRole.ORIGINAL, ""), (FileRole.DERIVATIVE, "text")):
        text = f"{SECRETS['text']} {SECRETS['real name']} ({role})"
        put = put_blob(io.BytesIO(text.encode()))
        with transaction.atomic():
            lock_head()
            blob = record_blob(documentation_officer, put, reason="test").blob
            files.append(
                ItemFile.objects.create(
                    item=item,
                    blob=blob,
                    sha256=put.sha256,
                    size=put.size,
                    media_type="text/plain; charset=utf-8",
                    role=role,
                    kind=kind,
                    derived_from=files[0] if files else None,
                )
            )
    entry, _ = do_add_field(vault_keeper, SECRETS["pseudonym"], "real_name", SECRETS["real name"])
    [review] = do_request_redaction(analyst, item).reviews
    upload = do_start_upload(documentation_officer, filename=SECRETS["upload"], size=9, metadata={})
    return {
        "item": item.pk,
        "file": files[0].pk,
        "record": make_record(
            documentation_officer, "person", name=SECRETS["record"], sensitivity="public"
        ).pk,
        "token": do_create_token(analyst, SECRETS["token"])[0].pk,
        "upload": upload.key,
        "term": Term.objects.filter(vocabulary__slug="violations").order_by("pk").first().pk,
        "entry": entry.pk,
        "review": review.pk,
        "saved": do_save_search(analyst, SECRETS["saved"], "torture").pk,
        **_probed_case(legal_expert, item, make_record(analyst, "organization", name="Unit 9")),
    }


def _probed_case(legal_expert, item, unit) -> dict:
    """A case file of the legal expert with a charge, an evidence link and a task."""
    from sillok.assessment.elements import find_element
    from sillok.assessment.models import Framework
    from sillok.assessment.patterns import do_run_pattern
    from sillok.assessment.review import do_assess_element
    from sillok.assessment.services import (
        do_add_charge,
        do_add_suspect,
        do_create_case,
        do_create_task,
        do_link_evidence,
    )

    rome = Framework.objects.get(code="rome-statute")
    case = do_create_case(
        legal_expert, SECRETS["case"], framework=rome, standard=find_element("standard-rgb", rome)
    )
    suspect = do_add_suspect(legal_expert, case, organization=unit)
    charge = do_add_charge(
        legal_expert,
        case,
        crime=find_element("art7-1-f", rome),
        suspect=suspect,
        mode=find_element("art25-3-a", rome),
    )
    link = do_link_evidence(
        legal_expert,
        charge,
        find_element("art7-1-f.1", rome),
        evidence_kind="item",
        evidence_id=item.pk,
    )
    task = do_create_task(legal_expert, case, title="Interview", assignee=legal_expert)
    assessment = do_assess_element(legal_expert, charge, find_element("art7-1-f.1", rome))
    pattern = do_run_pattern(
        legal_expert,
        case,
        find_element("art7-context.widespread-systematic", rome),
        title="Torture by year",
        query={"violations": ["torture"], "dimensions": ["year"]},
    )
    return {
        "case": case.pk,
        "case_link": link.pk,
        "case_task": task.pk,
        "case_suspect": suspect.pk,
        "case_charge": charge.pk,
        "case_assessment": assessment.pk,
        "case_pattern": pattern.pk,
    }


def _unchanged(probed: dict) -> tuple:
    """What the outsider's calls could have changed, were they not refused."""
    from sillok.accounts.models import APIToken
    from sillok.evidence.models import UploadSession
    from sillok.records.models import Person
    from sillok.redaction.models import RedactionReview
    from sillok.search.models import SavedSearch
    from sillok.vault.models import VaultEntry

    return (
        Person.objects.filter(pk=probed["record"]).values_list("revision", "withdrawn_at").get(),
        APIToken.objects.filter(pk=probed["token"]).values_list("revoked_at", flat=True).get(),
        UploadSession.objects.filter(key=probed["upload"]).values_list("status").get(),
        VaultEntry.objects.filter(pk=probed["entry"]).values_list("shredded_at").get(),
        RedactionReview.objects.filter(pk=probed["review"]).values_list("status").get(),
        SavedSearch.objects.filter(pk=probed["saved"]).exists(),
        _case_state(probed),
    )


def _case_state(probed: dict) -> tuple:
    from sillok.assessment.models import AssessmentVersion, CaseFile

    case = CaseFile.objects.filter(pk=probed["case"])
    return (
        tuple(case.values_list("revision", "title").get()),
        AssessmentVersion.objects.filter(case_id=probed["case"]).count(),
    )


def _shown_secrets(response) -> list[str]:
    text = response.content.decode(errors="replace")
    return [name for name, secret in SECRETS.items() if secret in text]


def test_anonymous_callers_get_401_from_every_api_operation_but_health(probed):
    wrong = []
    for operation, (method, path, _) in sorted(API.items()):
        response = getattr(Client(), method)(path.format(**probed))
        expected = 200 if operation == "health" else 401
        if response.status_code != expected or _shown_secrets(response):
            wrong.append(f"{operation}: {response.status_code} {_shown_secrets(response)}")
    assert not wrong, "\n".join(wrong)


def test_the_outsider_is_refused_by_every_api_operation(probed, client_for, outsider):
    before = _unchanged(probed)
    client, wrong = client_for(outsider), []
    for operation, (method, path, expected) in sorted(API.items()):
        response = getattr(client, method)(path.format(**probed), **BODIES.get(operation, {}))
        if response.status_code != expected or _shown_secrets(response):
            wrong.append(f"{operation}: {response.status_code} {_shown_secrets(response)}")
        if operation in {"list_items", "list_records"} and response.json() != {
            "total": 0,
            "items": [],
        }:
            wrong.append(f"{operation}: lists {response.json()}")
    assert not wrong, "\n".join(wrong)
    assert _unchanged(probed) == before


def test_anonymous_visitors_are_sent_to_sign_in(probed):
    wrong = []
    for name, (path, _) in sorted(PAGES.items()):
        response = Client().get(path.format(**probed))
        if name in PUBLIC_PAGES:
            ok = response.status_code in (200, 302, 405)
        else:
            ok = response.status_code == 302 and "/accounts/login/" in response["Location"]
        if not ok or _shown_secrets(response):
            wrong.append(f"{name}: {response.status_code} {_shown_secrets(response)}")
    assert not wrong, "\n".join(wrong)


def test_the_outsider_sees_nothing_on_any_page(probed, client_for, outsider):
    before = _unchanged(probed)
    client, wrong = client_for(outsider), []
    for name, (path, expected) in sorted(PAGES.items()):
        response = client.get(path.format(**probed))
        if response.status_code != expected or _shown_secrets(response):
            wrong.append(f"{name}: {response.status_code} {_shown_secrets(response)}")
    assert not wrong, "\n".join(wrong)
    assert _unchanged(probed) == before


def test_the_probed_objects_are_shown_to_those_who_may_see_them(probed, client_for, analyst):
    """The secrets test above means something only if the pages do show these names to
    someone: the analyst sees the item and the person, and owns the token and the search."""
    client = client_for(analyst)
    pages = {
        "item": f"/items/{probed['item']}/",
        "record": f"/records/persons/{probed['record']}/",
        "token": "/accounts/tokens/",
        "saved": "/search/saved/",
    }
    shown = {
        name: SECRETS[name] in client.get(path).content.decode() for name, path in pages.items()
    }
    assert shown == {"item": True, "record": True, "token": True, "saved": True}
