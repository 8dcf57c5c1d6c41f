"""Schemathesis against /api/v1/openapi.json, as signed-in personas, in-process.

Every operation of the published OpenAPI document is called with inputs generated from its
own schema (valid ones, and invalid ones to probe the validation) by several personas with a
personal API token, over the Django WSGI app inside the test's database transaction. Each
response must not be a server error, must carry a status code the document declares for the
operation, and must match the declared response schema. Generation is derandomized, so CI
sees the same cases every run.

The number of cases run is printed at the end of the module (and written to the file named
by SILLOK_SCHEMATHESIS_REPORT when it is set).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sillok.accounts import tokens
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import do_ingest_paths
from sillok.evidence.metadata import ItemMetadata

pytestmark = pytest.mark.django_db

# Per operation, persona and generation mode (valid input for 4 personas, invalid input for
# one): 31 operations x 5 x this many stays under a minute and a half on two cores.
MAX_EXAMPLES = int(os.environ.get("SILLOK_SCHEMATHESIS_EXAMPLES", "6"))
PERSONAS = ["documentation_officer", "analyst", "partner", "outsider"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CASES: Counter[str] = Counter()


@pytest.fixture
def api_data(repo_home: Path, tmp_path: Path, documentation_officer, analyst, make_record):
    """Items and records of several kinds, so that generated ids sometimes exist."""
    folder = tmp_path / "files"
    folder.mkdir()
    for n, sensitivity in enumerate(["public", "internal", "restricted", "strictly_confidential"]):
        (folder / f"note-{n}.txt").write_text(f"증언 {n}: testimony text {n}\n", encoding="utf-8")
        do_ingest_paths(
            documentation_officer,
            [folder / f"note-{n}.txt"],
            metadata=ItemMetadata(title=f"Note {n}", sensitivity=sensitivity),
            context=HandlingContext(channel="cli", place="test", reason="schemathesis data"),
            workdir=tmp_path / f"work-{n}",
        )
    victim = make_record(analyst, "person", name="Kim Chol", sex="male")
    event = make_record(analyst, "event", title="Detention in Hoeryong", date="2015-03")
    make_record(
        analyst, "act", event=f"E-{event.pk}", victim=f"P-{victim.pk}", violation_type="torture"
    )
    make_record(documentation_officer, "person", name="Ri Yong-ho", sensitivity="restricted")


@pytest.fixture
def openapi_schema(client: Client, settings):
    """The published document, with calls going to the Django WSGI app in this process."""
    document = client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    settings.ALLOWED_HOSTS = ["localhost"]  # where schemathesis's WSGI transport says it is
    # As django.test.Client does: a request must not close the connection that holds the
    # test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation, mode: GenerationMode, secret: str) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def test(case) -> None:
        CASES[label] += 1
        headers = {"Authorization": f"Bearer {secret}"}
        response = case.call(headers=headers, app=operation.schema.app)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        test()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no invalid input.
        assert mode == GenerationMode.NEGATIVE, label


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_operations_never_fail_or_break_their_schema(
    persona, request, roles, api_data, openapi_schema
):
    user = request.getfixturevalue(persona)
    if persona == "outsider":
        # A token outlives its owner's role: the outsider's was made while they had one.
        user.groups.add(roles["partner"])
        _, secret = tokens.do_create_token(user, "schemathesis")
        user.groups.clear()
    else:
        _, secret = tokens.do_create_token(user, "schemathesis")
    operations = _operations(openapi_schema)
    assert len(operations) >= 30
    failures = []
    for operation in operations:
        # Invalid input is refused the same way whoever sends it: probed as one persona.
        modes = [GenerationMode.POSITIVE]
        if persona == PERSONAS[0]:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                _run(operation, mode, secret)
            except (Exception, BaseExceptionGroup) as exc:  # every failing operation, not the first
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {_describe(exc)}"
                )
    assert not failures, "\n\n".join(failures)


def test_zz_report_the_number_of_cases(capsys):
    """Runs last in this module: says how many cases the tests above ran (printed, and
    written to the file named by SILLOK_SCHEMATHESIS_REPORT when it is set)."""
    total = sum(CASES.values())
    line = f"schemathesis: {total} cases over {len(CASES)} operations"
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")
    if os.environ.get("SILLOK_SCHEMATHESIS_REPORT"):
        Path(os.environ["SILLOK_SCHEMATHESIS_REPORT"]).write_text(line + "\n", encoding="utf-8")
    if CASES:  # not when the run selected this test alone
        assert total >= len(CASES) * len(PERSONAS)
