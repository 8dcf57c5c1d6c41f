"""The authorization matrix: every page and API operation of tests/test_authorization_matrix.py
is classified here, and each class is checked for every persona (the eight roles and the
outsider) × sensitivity (4 levels) × compartment (none, one the persona is a member of, one it
is not) against the rule stated independently below (DESIGN.md roles, issue 5 compartments).

Each test builds its objects once and checks every cell, collecting every wrong cell before
failing, so one run names them all. `test_the_matrix_size` prints how many cells were checked.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import replace

import pytest

from tests.assessment.cases_access import CASE_OPS, check_cases
from tests.assessment.exports_access import check_matrix_exports
from tests.assessment.matrix_access import MATRIX_OPS, check_matrix_operations
from tests.assessment.pages_access import CASE_PAGE_NAMES, check_case_pages
from tests.conftest import PERSONA_ROLES
from tests.test_authorization_matrix import API, MISSING_IDS, PAGES

pytestmark = pytest.mark.django_db

SENSITIVITIES = ["public", "internal", "restricted", "strictly_confidential"]
COMPARTMENTS = ["none", "member", "other"]  # none; one the persona is in; one it is not in
# Every persona of tests/conftest.py, the outsider last.
PERSONAS = [*PERSONA_ROLES, "outsider"]

# --- the rule, stated independently of sillok/ ---------------------------------------------
# The highest sensitivity each persona may see (index into SENSITIVITIES); None: the role
# grants no view permission at all.
CLEARED = {
    "documentation_officer": 3,
    "analyst": 2,
    "legal_expert": 3,
    "vault_keeper": 3,
    "manager": 2,
    "partner": None,
    "auditor": 2,
    "admin": 3,
    "outsider": None,
}
OPENS_ORIGINALS = {"documentation_officer", "analyst", "legal_expert", "admin"}
ADDS_ITEMS = {"documentation_officer", "admin", "partner"}
CHANGES_RECORDS = {"documentation_officer", "analyst", "admin"}
REVIEWS_RECORDS = {"analyst", "legal_expert"}
CHANGES_ITEMS = {"documentation_officer", "analyst", "admin"}  # and so ask for redactions


def may_see(persona: str, sensitivity: str, compartment: str, submitter: str = "") -> bool:
    """Role grants the view permission, the level is cleared, and the compartment is none or
    one the persona belongs to. A persona who may only add items sees what it submitted."""
    if CLEARED[persona] is None:
        return persona in ADDS_ITEMS and submitter == persona
    level_ok = SENSITIVITIES.index(sensitivity) <= CLEARED[persona]
    return level_ok and compartment != "other"


# --- every endpoint in exactly one class -----------------------------------------------------
# Reading one item ({item}, {file} replaced by the ids of each matrix item).
ITEM_READ = {
    "evidence:item": ("get", "/items/{item}/"),
    "evidence:file": ("get", "/items/{item}/files/{file}/"),
    "get_item": ("get", "/api/v1/items/{item}"),
    "item_custody": ("get", "/api/v1/items/{item}/custody"),
    "item_text": ("get", "/api/v1/items/{item}/text"),
    "file_content": ("get", "/api/v1/items/{item}/files/{file}/content"),
    "evidence:item_edit": ("get", "/items/{item}/edit/"),
    "evidence:item_history": ("get", "/items/{item}/history/"),
    "item_history": ("get", "/api/v1/items/{item}/history"),
}
ORIGINAL_FILES = {"evidence:file", "file_content"}
# Reading one record (a person; {record} replaced by its id) or one of its versions.
RECORD_READ = {
    "records:record": ("get", "/records/persons/{record}/"),
    "records:edit": ("get", "/records/persons/{record}/edit/"),
    "records:history": ("get", "/records/persons/{record}/history/"),
    "records:version": ("get", "/records/persons/{record}/versions/1/"),
    "get_record": ("get", "/api/v1/records/persons/{record}"),
    "record_history": ("get", "/api/v1/records/persons/{record}/history"),
    "record_version": ("get", "/api/v1/records/persons/{record}/history/1"),
    "record_links": ("get", "/api/v1/records/persons/{record}/links"),
    # An act of the same cell ({act}): the world gives each person cell one.
    "record_corroboration": ("get", "/api/v1/records/acts/{act}/corroboration"),
}
# Changing one record: a hidden record answers exactly as a missing one and stays unchanged.
RECORD_WRITE = {
    "records:restore": ("post", "/records/persons/{record}/versions/1/restore/", {}),
    "records:link_add": ("post", "/records/persons/{record}/links/add/", {}),
    "records:submit": ("post", "/records/persons/{record}/review/send/", {}),
    "records:complete_review": ("post", "/records/persons/{record}/review/complete/", {}),
    "records:return_review": ("post", "/records/persons/{record}/review/return/", {}),
    "records:withdraw": ("post", "/records/persons/{record}/withdraw/", {"reason": "dup"}),
    "records:reinstate": ("post", "/records/persons/{record}/reinstate/", {}),
    "update_record": (
        "patch",
        "/api/v1/records/persons/{record}",
        {"values": {"notes": "seen"}, "revision": 1},
    ),
    "restore_record_version": ("post", "/api/v1/records/persons/{record}/restore/1", {}),
    "review_record": ("post", "/api/v1/records/persons/{record}/review", {"action": "complete"}),
    "withdraw_record": ("post", "/api/v1/records/persons/{record}/withdraw", {"reason": "dup"}),
    "reinstate_record": ("post", "/api/v1/records/persons/{record}/reinstate", {}),
}
# Acting on one item: a hidden item answers exactly as a missing one.
ITEM_WRITE = {
    "redaction:request": ("post", "/redaction/items/{item}/request/", {}),
    # Correcting metadata: the first persona who may edits (revision 1), the rest are stale.
    "update_item": (
        "patch",
        "/api/v1/items/{item}",
        {"values": {"description": "seen"}, "revision": 1, "reason": "matrix"},
    ),
    "restore_item_version": (
        "post",
        "/api/v1/items/{item}/restore/1",
        {"revision": 1, "reason": "matrix"},
    ),
    "evidence:item_restore": (
        "post",
        "/items/{item}/versions/1/restore/",
        {"revision": 1, "reason": "matrix"},
    ),
}
# Lists and counts: each matrix object is present exactly when the persona may see it.
LISTS = {
    "evidence:items": "/items/",
    "records:list": "/records/persons/",
    "records:lookup": "/records/lookup/persons/?q=mx",
    "records:home": "/records/",  # counts per kind
    "list_items": "/api/v1/items?limit=200",
    "list_records": "/api/v1/records/persons?limit=200",
    # Search over items and persons at once: results, total and kind counts (indexed first).
    "search": "/api/v1/search?q=mxitem%20OR%20mxperson&limit=100",
}
# Creating: compartments and references follow the same rule (test_creating_*).
CREATE = {
    "create_item",
    "start_upload",
    "create_record",
    "records:create",
    "evidence:upload",
}
# No object data: checked to show none of the matrix objects a persona may not see.
NO_OBJECT_DATA = {
    "workspace:home",
    "set_language",
    "accounts:account",
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:enrol",
    "accounts:tokens",
    "accounts:token_revoke",
    "accounts:alerts",  # audit entries name ids only, and need view_audit
    "accounts:reauth",
    "accounts:security_key_add",
    "accounts:webauthn_register_options",
    "accounts:webauthn_challenge",
    "accounts:device_remove",
    "records:lookup_places",
    "records:lookup_terms",
    # Import pages: rows are resolved with the importer's permissions (records/resolve.py).
    "records:import",
    "records:import_mapping",
    "records:import_run",
    "records:import_done",
    # The export form; the files come from visible_records (tests/records/test_export.py).
    "records:export",
    "vocab:index",
    "vocab:vocabulary",
    "vocab:term",
    "vocab:term_add",
    "vocab:places",
    "vocab:place_add",
    "health",
    "me",
    "list_tokens",
    "create_token",
    "revoke_token",
    # Upload sessions belong to their user; the item is made by intake (CREATE).
    "get_upload",
    "put_upload_chunk",
    "complete_upload",
    "abort_upload",
    "list_vocabularies",
    "list_terms",
    "search_places",
    "get_place",
    # Legal frameworks are law, not evidence: no matrix object appears in them; who may read
    # them is tested in tests/assessment/test_frameworks_pages.py.
    "assessment:frameworks",
    "assessment:framework",
    "list_frameworks",
    "get_framework",
    # The identity vault: entries are identities behind pseudonyms, not items or records;
    # vault keepers only (tests/vault).
    "vault:entries",
    "vault:add",
    "vault:entry",
    "vault:reveal",
    "vault:shred",
    # Redaction reviews of derivatives: rows come from visible_items (redaction/services.py);
    # this world has none, so the pages must show no matrix object (tests/redaction).
    "redaction:reviews",
    "redaction:review",
    "redaction:decide",
    # The search page searches for every matrix title (indexed by _check_lists, which runs
    # first): it must show none that the persona may not see (the API's "search" checks
    # presence and totals). Saved searches are the owner's own; their alerts resolve matches
    # with the owner's current permissions (tests/search/test_saved.py).
    "search:search",
    "search:save",
    "search:saved",
    "search:saved_detail",
    "search:saved_seen",
    "search:saved_delete",
    # Checkpoints other repositories send to this one as a witness: POST only, no account,
    # authenticated by their signature; kept checkpoints are never shown (tests/custody).
    "custody:witness_receive",
}
CLASSES = {
    "item read": set(ITEM_READ),
    "record read": set(RECORD_READ),
    "record write": set(RECORD_WRITE),
    "item write": set(ITEM_WRITE),
    "list": set(LISTS),
    "create": CREATE,
    "no object data": NO_OBJECT_DATA,
    # Case files (tests/assessment/cases_access.py): members only, by sensitivity.
    "case": CASE_OPS,
    "case pages": CASE_PAGE_NAMES,
    # The proof matrix, assessments, gaps, chains, patterns (tests/assessment/matrix_access.py).
    "case matrix": MATRIX_OPS,
    # The matrix export page (tests/assessment/exports_access.py): members who may export.
    "case export": {"assessment:matrix-export"},
}

CELLS: Counter[str] = Counter()  # cells checked, per test (summed in test_the_matrix_size)


def test_every_page_and_api_operation_is_classified_once():
    endpoints = set(PAGES) | set(API)
    classified = [name for names in CLASSES.values() for name in names]
    duplicates = sorted(name for name, n in Counter(classified).items() if n > 1)
    assert not duplicates, f"classified twice: {duplicates}"
    missing = sorted(endpoints - set(classified))
    assert not missing, f"add these endpoints to a class of the access matrix: {missing}"
    assert set(classified) <= endpoints, sorted(set(classified) - endpoints)


# --- the world: 12 items and 12 persons, one per sensitivity × compartment -------------------


def _title(kind: str, sensitivity: str, compartment: str, submitter: str = "") -> str:
    # Distinct, and none a part of another: presence in a page is a substring test.
    return f"mx{kind}-{sensitivity}-{compartment}-{submitter or 'operator'}-end"


@pytest.fixture
def world(personas, repo_home, tmp_path, vocabularies):
    """The personas (members of compartment "member"), 12 items and 12 persons, plus one
    strictly confidential item the partner submitted (it sees what it submitted)."""
    from sillok.accounts.compartments import do_create_compartment, do_grant
    from sillok.evidence.custody_log import HandlingContext
    from sillok.evidence.intake import do_record_intakes, prepare_file
    from sillok.evidence.metadata import ItemMetadata
    from sillok.evidence.models import FileRole, ItemFile
    from sillok.records.services import do_create_record
    from sillok.vocab.models import Term

    codes = {"none": "", "member": "mx-member", "other": "mx-other"}
    compartments = {
        name: do_create_compartment(None, code, name=name) for name, code in codes.items() if code
    }
    for name, user in personas.items():
        do_grant(None, "mx-member", name)
        user.refresh_from_db()
    context = HandlingContext(channel="cli", place="test", reason="matrix")
    wanted = [(*cell, "") for cell in itertools.product(SENSITIVITIES, COMPARTMENTS)]
    wanted.append(("strictly_confidential", "member", "partner"))
    items, records, batches = {}, {}, {}
    for sensitivity, compartment, submitter in wanted:
        title = _title("item", sensitivity, compartment, submitter)
        path = tmp_path / f"{title}.txt"
        path.write_text(f"{title}\n", encoding="utf-8")
        metadata = ItemMetadata(title=title, sensitivity=sensitivity)
        metadata = replace(metadata, compartment=codes[compartment])
        prepared = prepare_file(path, filename=path.name, metadata=metadata, context=context)
        batches.setdefault(submitter, []).append(((sensitivity, compartment, submitter), prepared))
    # One batch per submitter: intake is set-based (one flush, one transaction).
    for submitter, batch in batches.items():
        actor = personas[submitter] if submitter else None
        results = do_record_intakes(actor, [prepared for _, prepared in batch])
        for (cell, prepared), result in zip(batch, results, strict=True):
            original = ItemFile.objects.get(item_id=result.item, role=FileRole.ORIGINAL)
            items[cell] = {
                "item": result.item,
                "file": original.pk,
                "title": prepared.metadata.title,
            }
    for sensitivity, compartment in itertools.product(SENSITIVITIES, COMPARTMENTS):
        values = {
            "name": _title("person", sensitivity, compartment),
            "sensitivity": sensitivity,
            "compartment": compartments.get(compartment),
        }
        person = do_create_record(personas["documentation_officer"], "person", values)
        records[(sensitivity, compartment, "")] = {"record": person.pk, "title": person.name}
    # One act per cell, in one public event, for reads that only acts answer.
    officer = personas["documentation_officer"]
    event = do_create_record(officer, "event", {"title": "corroboration", "sensitivity": "public"})
    torture = Term.objects.get(vocabulary__slug="violations", code="torture")
    for (sensitivity, compartment, _), ids in records.items():
        values = {"event": event, "violation_type": torture, "sensitivity": sensitivity}
        values["compartment"] = compartments.get(compartment)
        ids["act"] = do_create_record(officer, "act", values).pk
    return {"personas": personas, "items": items, "records": records}


@pytest.fixture
def clients(world, client_for):
    return {name: client_for(user) for name, user in world["personas"].items()}


def _call(client, method: str, path: str, data=None):
    if method == "get":
        return client.get(path)
    if path.startswith("/api/"):
        return getattr(client, method)(path, data=data or {}, content_type="application/json")
    return getattr(client, method)(path, data=data or {})


# --- the checks ---------------------------------------------------------------------------------


def _check_item_read(world, clients) -> list[str]:
    wrong = []
    for name, (method, template) in ITEM_READ.items():
        for persona, client in clients.items():
            for (sensitivity, compartment, submitter), ids in world["items"].items():
                path = template.format(**ids)
                status = _call(client, method, path).status_code
                if not may_see(persona, sensitivity, compartment, submitter):
                    expected = {404}
                elif (
                    name in ORIGINAL_FILES
                    and not (persona in OPENS_ORIGINALS or submitter == persona)
                ) or (name == "evidence:item_edit" and persona not in CHANGES_ITEMS):
                    expected = {403}
                else:
                    expected = {200}
                CELLS["item read"] += 1
                if status not in expected:
                    wrong.append(f"{name} {persona} {sensitivity}/{compartment}: {status}")
    return wrong


def _check_record_read(world, clients) -> list[str]:
    wrong = []
    for name, (method, template) in RECORD_READ.items():
        for persona, client in clients.items():
            for (sensitivity, compartment, _), ids in world["records"].items():
                status = _call(client, method, template.format(**ids)).status_code
                if not may_see(persona, sensitivity, compartment):
                    expected = {404}
                elif name == "records:edit" and persona not in CHANGES_RECORDS:
                    expected = {403}
                else:
                    expected = {200}
                CELLS["record read"] += 1
                if status not in expected:
                    wrong.append(f"{name} {persona} {sensitivity}/{compartment}: {status}")
    return wrong


def _state(pk: int) -> tuple:
    from sillok.records.models import Person

    person = Person.objects.get(pk=pk)
    return (person.revision, person.withdrawn_at, person.review_status, person.notes)


def _audit_seq() -> int:
    from sillok.custody.models import AuditEntry

    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _check_record_write(world, clients) -> list[str]:
    """A hidden record gets exactly the answer a missing id gets, and stays as it was; a
    visible one is never "not found" (refusals name what is missing). A persona who sees the
    record but may not do this gets 403, and the record and the audit log stay as they were."""
    wrong = []
    for name, (method, template, body) in RECORD_WRITE.items():
        reviewing = name in {"records:complete_review", "records:return_review", "review_record"}
        allowed = REVIEWS_RECORDS if reviewing else CHANGES_RECORDS
        for persona, client in clients.items():
            missing = _call(client, method, template.format(record=999999), body).status_code
            if missing not in (403, 404):
                wrong.append(f"{name} {persona} missing record: {missing}")
            for (sensitivity, compartment, _), ids in world["records"].items():
                visible = may_see(persona, sensitivity, compartment)
                before, seq = _state(ids["record"]), _audit_seq()
                status = _call(client, method, template.format(**ids), body).status_code
                CELLS["record write"] += 1
                if visible and status == 404:
                    wrong.append(f"{name} {persona} {sensitivity}/{compartment}: 404 but visible")
                if (
                    visible
                    and persona not in allowed
                    and (status != 403 or _state(ids["record"]) != before or _audit_seq() != seq)
                ):
                    wrong.append(
                        f"{name} {persona} {sensitivity}/{compartment}: {status}, expected 403 "
                        "with the record and the audit log unchanged"
                    )
                if not visible and (status != missing or _state(ids["record"]) != before):
                    wrong.append(
                        f"{name} {persona} {sensitivity}/{compartment}: {status} (missing: "
                        f"{missing}) or changed"
                    )
    return wrong


def _check_item_write(world, clients) -> list[str]:
    wrong = []
    for name, (method, template, body) in ITEM_WRITE.items():
        for persona, client in clients.items():
            missing = _call(client, method, template.format(item=999999), body).status_code
            if missing not in (403, 404):
                wrong.append(f"{name} {persona} missing item: {missing}")
            for (sensitivity, compartment, submitter), ids in world["items"].items():
                visible = may_see(persona, sensitivity, compartment, submitter)
                status = _call(client, method, template.format(**ids), body).status_code
                CELLS["item write"] += 1
                refused = visible and persona not in CHANGES_ITEMS and status != 403
                if (visible and status == 404) or (not visible and status != missing) or refused:
                    wrong.append(
                        f"{name} {persona} {sensitivity}/{compartment}: {status} "
                        f"(missing: {missing}, visible: {visible})"
                    )
    return wrong


def _present(response, title: str, ids: dict, name: str) -> bool:
    if name == "search":
        found = {(row["kind"], row["id"]) for row in response.json()["results"]}
        return ("item", ids.get("item")) in found or ("person", ids.get("record")) in found
    if name == "list_items":
        return ids["item"] in {row["id"] for row in response.json()["items"]}
    if name == "list_records":
        return ids["record"] in {row["id"] for row in response.json()["items"]}
    return title in response.content.decode()


def _check_lists(world, clients) -> list[str]:
    from sillok.search.indexing import reindex

    reindex()  # the test's transaction never commits: nothing was indexed on commit
    wrong = []
    for persona, client in clients.items():
        visible_items = {
            cell for cell in world["items"] if may_see(persona, cell[0], cell[1], cell[2])
        }
        visible_records = {cell for cell in world["records"] if may_see(persona, *cell[:2])}
        for name, path in LISTS.items():
            response = client.get(path)
            if name in {"evidence:items", "list_items"}:
                objects, visible = world["items"], visible_items
                allowed = CLEARED[persona] is not None or persona in ADDS_ITEMS
            elif name == "search":
                objects = {**world["items"], **{("person", *k): v for k, v in
                                                world["records"].items()}}  # fmt: skip
                visible = visible_items | {("person", *k) for k in visible_records}
                allowed = CLEARED[persona] is not None or persona in ADDS_ITEMS
            else:
                objects, visible = world["records"], visible_records
                allowed = CLEARED[persona] is not None
            if not allowed:
                # No view permission: an empty list (API, items page), a refused page.
                expected = 200 if name in {"list_items", "list_records", "evidence:items"} else 403
                if response.status_code != expected:
                    wrong.append(f"{name} {persona}: {response.status_code}")
            elif response.status_code != 200:
                wrong.append(f"{name} {persona}: {response.status_code}")
                continue
            if name == "records:home":
                if allowed:
                    counts = {c["kind"].name: c["count"] for c in response.context["counts"]}
                    CELLS["list"] += 1
                    if counts["person"] != len(visible):
                        wrong.append(f"{name} {persona}: {counts['person']} persons counted")
                continue
            if name.startswith("list_") or (name == "search" and allowed):
                CELLS["list"] += 1
                if response.json()["total"] != len(visible):
                    wrong.append(f"{name} {persona}: total {response.json()['total']}")
            for cell, ids in objects.items():
                CELLS["list"] += 1
                shown = response.status_code == 200 and _present(response, ids["title"], ids, name)
                if shown != (cell in visible):
                    wrong.append(f"{name} {persona} {cell}: shown={shown}")
    return wrong


def _hidden_titles(world, persona: str) -> list[str]:
    titles = [ids["title"] for cell, ids in world["items"].items() if not may_see(persona, *cell)]
    titles += [
        ids["title"] for cell, ids in world["records"].items() if not may_see(persona, *cell[:2])
    ]
    return titles


def _check_no_object_data(world, clients) -> list[str]:
    wrong = []
    paths = {name: ("get", PAGES[name][0]) for name in NO_OBJECT_DATA if name in PAGES}
    paths |= {name: API[name][:2] for name in NO_OBJECT_DATA if name in API}
    for persona, client in clients.items():
        hidden = _hidden_titles(world, persona)
        for name, (method, path) in sorted(paths.items()):
            body = _call(client, method, path.format(**MISSING_IDS)).content
            body = body.decode(errors="replace")
            for title in hidden:
                CELLS["no object data"] += 1
                if title in body:
                    wrong.append(f"{name} {persona}: shows {title}")
    return wrong


def _check_create(world, clients) -> list[str]:
    """Items go only into no compartment or one the persona is in; a record may refer only
    to records the persona may see; the forms offer only the persona's compartments."""
    wrong = []
    codes = {"none": "", "member": "mx-member", "other": "mx-other"}
    for persona, client in clients.items():
        for compartment, code in codes.items():
            allowed = persona in ADDS_ITEMS and compartment != "other"
            metadata = {"compartment": code} if code else {}
            body = {"filename": "a.txt", "size": 9, "metadata": metadata}
            status = _call(client, "post", "/api/v1/uploads", body).status_code
            CELLS["create"] += 1
            if (status == 201) != allowed or status not in (201, 403):
                wrong.append(f"start_upload {persona} {compartment}: {status}")
            content = f"{persona} into {compartment}".encode()
            from django.core.files.uploadedfile import SimpleUploadedFile

            data = {"file": SimpleUploadedFile("a.txt", content), "compartment": code}
            status = client.post("/api/v1/items", data=data).status_code
            CELLS["create"] += 1
            if (status == 201) != allowed or status not in (201, 403):
                wrong.append(f"create_item {persona} {compartment}: {status}")
        for (sensitivity, compartment, _), ids in world["records"].items():
            values = {"name": "mx source", "person": f"P-{ids['record']}"}
            response = _call(client, "post", "/api/v1/records/sources", {"values": values})
            CELLS["create"] += 1
            if persona not in CHANGES_RECORDS:
                expected = 403
            else:
                expected = 201 if may_see(persona, sensitivity, compartment) else 422
            if response.status_code != expected:
                wrong.append(
                    f"create_record {persona} {sensitivity}/{compartment}: "
                    f"{response.status_code} (expected {expected})"
                )
        for name, path, may in (
            ("records:create", "/records/persons/new/", persona in CHANGES_RECORDS),
            ("evidence:upload", "/items/upload/", persona in ADDS_ITEMS),
        ):
            page = client.get(path)
            CELLS["create"] += 1
            if not may:
                if page.status_code != 403:
                    wrong.append(f"{name} {persona}: {page.status_code}")
                continue
            options = set(re.findall(r'<option value="(mx-[a-z-]+)"', page.content.decode()))
            if page.status_code != 200 or options != {"mx-member"}:
                wrong.append(f"{name} {persona}: {page.status_code} offers {options}")
    return wrong


def _check_cases(world, clients) -> list[str]:
    wrong, cells = check_cases(world, clients)
    CELLS["case"] += cells
    return wrong


def _check_case_pages(world, clients) -> list[str]:
    wrong, cells = check_case_pages(world, clients)
    CELLS["case pages"] += cells
    return wrong


def _check_case_matrix(world, clients) -> list[str]:
    wrong, cells = check_matrix_operations(world, clients)
    CELLS["case matrix"] += cells
    return wrong


def _check_case_exports(world, clients) -> list[str]:
    wrong, cells = check_matrix_exports(world, clients)
    CELLS["case export"] += cells
    return wrong


def test_every_endpoint_follows_the_rule_in_every_cell(world, clients):
    """One world for all classes (building it takes seconds: every file goes through the
    sandboxed inspection of intake). Reads and lists first; creating and changing last, as
    they change the world."""
    checks = [
        _check_item_read,
        _check_record_read,
        _check_lists,
        _check_no_object_data,
        _check_create,
        _check_item_write,
        _check_record_write,
        _check_cases,
        _check_case_pages,
        _check_case_matrix,
        _check_case_exports,
    ]
    wrong = [cell for check in checks for cell in check(world, clients)]
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong[:300])


def test_the_matrix_size(capsys):
    """Runs last in this file: the number of cells the tests above checked."""
    total = sum(CELLS.values())
    with capsys.disabled():
        print(f"\naccess matrix: {total} cells checked ({dict(sorted(CELLS.items()))})")
    if len(CELLS) == len(CLASSES):  # the whole file ran, not a selection of it
        assert total > 5000


def test_a_link_to_a_gazetteer_place_is_listed_for_whoever_sees_its_record(
    analyst, legal_expert, partner, make_record, client_for
):
    """A link is hidden when one of its ends is; a place is a public gazetteer entry, so a
    link from a record the reader sees to a place is listed (and none for the partner)."""
    from sillok.vocab.queries import search_places

    person = make_record(analyst, "person", name="mx detained witness", sensitivity="internal")
    camp = search_places("요덕", kinds=["facility"])[0]
    ends = {"from": f"P-{person.pk}", "to": f"place:{camp.pk}", "relation": "detained_at"}
    link = make_record(analyst, "link", **ends)
    listed = {
        name: [row["id"] for row in client_for(user).get("/api/v1/records/links").json()["items"]]
        for name, user in {"legal_expert": legal_expert, "partner": partner}.items()
    }
    assert listed == {"legal_expert": [link.pk], "partner": []}
