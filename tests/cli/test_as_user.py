"""Every `sillok` command that reads data accepts `--as USER` and applies USER's permissions.

The commands are enumerated (SILLOK_COMMANDS and every management command of Sillok's own
apps): each must be classified below, either as reading data (then it takes `--as`, and as
the outsider it reveals nothing) or as an operator's command, with the reason. A new command
fails `test_every_command_is_classified` until it is added here.

The commands run in-process (`call_command`), which is what the `sillok` wrapper runs too;
the wrapper itself is covered by the other CLI tests.
"""

from __future__ import annotations

from argparse import ArgumentParser
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from sillok.cli import SILLOK_COMMANDS
from sillok.evidence.custody_log import HandlingContext
from sillok.evidence.intake import do_ingest_paths
from sillok.evidence.metadata import ItemMetadata
from sillok.evidence.models import Item

pytestmark = pytest.mark.django_db

SENTINEL_ITEM = "Sentinel item 비밀 문서"
SENTINEL_PERSON = "Sentinel Pak"

# Commands that read (or write) repository data: they take --as and apply its permissions.
READS_DATA = {
    "audit", "verify", "jobs", "vocab", "places", "item", "record", "export", "import",
    "ingest", "vault", "redact", "redaction", "search", "saved-searches", "frameworks",
    "corroboration", "case",
}  # fmt: skip
# Operator commands at the server's shell: they act on the installation, not for a user.
OPERATOR_ONLY = {
    "init": "creates or migrates the repository itself",
    "serve": "starts the web server",
    "worker": "runs background jobs, each with the permissions recorded when it was queued",
    "createuser": "user management at the shell, before any user exists",
    "passwd": "user management at the shell (locked-out administrators)",
    "reset-2fa": "user management at the shell (lost phones)",
    "demo": "loads the demo dataset into an empty repository",
    "flush": "empties the database of a test or demo installation",
    "compartment": "compartment management is the operator's (docs/security.md)",
    "reindex": "rebuilds the search index of the installation; prints only counts",
    "witness": "checkpoint delivery and kept checkpoints: hashes and seqs, no evidence",
}


def _sillok_commands() -> set[str]:
    own = {name for name, app in get_commands().items() if app.startswith("sillok")}
    return own | set(SILLOK_COMMANDS)


def _option_strings(parser: ArgumentParser) -> set[str]:
    """Every option of a parser and of its subcommands."""
    found = set()
    for action in parser._actions:
        found |= set(action.option_strings)
        if isinstance(action.choices, dict):  # subcommands
            for sub in action.choices.values():
                found |= _option_strings(sub)
    return found


def test_every_command_is_classified():
    unclassified = _sillok_commands() - READS_DATA - set(OPERATOR_ONLY)
    assert not unclassified, f"add to READS_DATA or OPERATOR_ONLY: {sorted(unclassified)}"


@pytest.mark.parametrize("name", sorted(READS_DATA))
def test_commands_that_read_data_accept_as_user(name):
    commands = get_commands()
    if name not in commands:
        pytest.skip(f"`sillok {name}` is not there (yet)")
    command = load_command_class(commands[name], name)
    assert "--as" in _option_strings(command.create_parser("sillok", name))


@pytest.fixture
def sentinel(tmp_path: Path, repo_home, documentation_officer, analyst, make_record):
    """An item, a record, derivation jobs and audit entries that only cleared users see."""
    source = tmp_path / "sentinel.txt"
    source.write_text("요덕 수용소 증언\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    do_ingest_paths(
        documentation_officer,
        [source],
        metadata=ItemMetadata(title=SENTINEL_ITEM, sensitivity="internal"),
        context=HandlingContext(channel="cli", place="test", reason="sentinel"),
        workdir=work,
    )
    item = Item.objects.get(title=SENTINEL_ITEM)
    from sillok.evidence.tasks import derive_file

    derive_file.enqueue(item.files.get().pk)
    person = make_record(analyst, "person", name=SENTINEL_PERSON, sensitivity="internal")
    return {"item": item.pk, "person": f"P-{person.pk}", "tmp": tmp_path}


def _argv(name: str, data: dict, user: str) -> list[list[str]]:
    tmp = data["tmp"]
    (tmp / "people.csv").write_text("name\nNew Person\n", encoding="utf-8")
    ref = data["person"]
    return {
        "audit": [["audit", "log", "--as", user]],
        "verify": [["verify", "--skip-blobs", "--as", user]],
        "jobs": [["jobs", "--json", "--as", user]],
        "vocab": [["vocab", "list", "--as", user], ["vocab", "list", "violations", "--as", user]],
        "places": [["places", "search", "Hoeryong", "--as", user], ["places", "show", "KP-09",
                                                                    "--as", user]],
        "item": [["item", action, str(data["item"]), "--as", user]
                 for action in ("show", "text", "custody")],
        "record": [["record", "show", ref, "--as", user], ["record", "history", ref, "--as", user]],
        "export": [["export", "person", "--out", str(tmp / f"out-{user}.json"), "--as", user]],
        "import": [["import", "person", str(tmp / "people.csv"), "--as", user]],
        "ingest": [["ingest", str(tmp / "people.csv"), "--as", user]],
        "vault": [["vault", "list", "--as", user],
                  ["vault", "show", SENTINEL_PERSON, "--purpose", "test", "--as", user]],
        "redact": [["redact", str(data["item"]), "--as", user]],
        "redaction": [["redaction", "list", "--as", user]],
        "search": [["search", "Sentinel", "--as", user]],
        "saved-searches": [["saved-searches", "list", "--as", user]],
        "corroboration": [["corroboration", ref.replace("P-", "A-"), "--as", user],
                          ["corroboration", ref.replace("P-", "A-"), "--json", "--as", user]],
        "case": [["case", "list", "--as", user], ["case", "show", "1", "--json", "--as", user]],
        "frameworks": [["frameworks", "list", "--as", user],
                       ["frameworks", "show", "rome-statute", "--json", "--as", user]],
    }[name]  # fmt: skip


def _run(argv: list[str]) -> tuple[int, str]:
    """(exit status, everything printed) of one command run in-process."""
    out, err = StringIO(), StringIO()
    try:
        call_command(*argv, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, f"{out.getvalue()}{err.getvalue()}{exc}"
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("name", sorted(READS_DATA))
def test_as_the_outsider_every_command_reveals_nothing(name, sentinel, outsider):
    if name not in get_commands():
        pytest.skip(f"`sillok {name}` is not there (yet)")
    items_before = Item.objects.count()
    for argv in _argv(name, sentinel, "outsider"):
        status, printed = _run(argv)
        for secret in (SENTINEL_ITEM, SENTINEL_PERSON, "sentinel.txt", "torture", "Hoeryong",
                       "record.created", "derive_file", "KP-09"):  # fmt: skip
            assert secret not in printed.replace(" ".join(argv), ""), (argv, printed)
        if name in {"jobs", "export", "saved-searches"} and status == 0:
            continue  # an empty answer is the right one; checked below
        assert status != 0, (argv, printed)
    assert Item.objects.count() == items_before  # ingest as the outsider took nothing in
    if name == "export":
        written = sentinel["tmp"] / "out-outsider.json"
        assert not written.exists() or SENTINEL_PERSON not in written.read_text("utf-8")


# The same commands as someone allowed: the test above can fail, because these print it.
ALLOWED = [
    (["audit", "log", "--as", "auditor"], "auditor", "record.created"),
    (["verify", "--skip-blobs", "--as", "auditor"], "auditor", "audit log:"),
    (["jobs", "--as", "documentation_officer"], "documentation_officer", "derive_file"),
    (["vocab", "list", "violations", "--as", "analyst"], "analyst", "torture"),
    (["places", "show", "KP-09", "--as", "analyst"], "analyst", "KP-09"),
    (["record", "show", "{person}", "--as", "analyst"], "analyst", SENTINEL_PERSON),
    (["item", "show", "{item}", "--as", "analyst"], "analyst", SENTINEL_ITEM),
    (["frameworks", "show", "rome-statute", "--as", "analyst"], "analyst", "Torture"),
]


@pytest.mark.parametrize(("argv", "persona", "expected"), ALLOWED, ids=lambda v: str(v)[:30])
def test_a_user_with_the_permission_sees_it(argv, persona, expected, sentinel, request):
    request.getfixturevalue(persona)
    argv = [a.format(person=sentinel["person"], item=sentinel["item"]) for a in argv]
    status, printed = _run(argv)
    assert status == 0, printed
    assert expected in printed


def test_jobs_as_a_user_lists_only_jobs_about_items_they_may_see(sentinel, partner, analyst):
    assert _run(["jobs", "--json", "--as", "partner"]) == (0, "[]\n")
    status, printed = _run(["jobs", "--json", "--as", "analyst"])
    assert status == 0 and "derive_file" in printed
    from sillok.custody.tasks import record_heartbeat

    record_heartbeat.enqueue()
    assert "record_heartbeat" in _run(["jobs", "--json"])[1]  # the operator sees every job
    assert "record_heartbeat" not in _run(["jobs", "--json", "--as", "analyst"])[1]


def test_audit_checkpoint_as_a_user_needs_the_permission_and_names_them(sentinel, admin, auditor):
    status, printed = _run(["audit", "checkpoint", "--as", "auditor"])
    assert status == 2 and "accounts.create_checkpoint" in printed
    status, printed = _run(["audit", "checkpoint", "--as", "admin"])
    assert status == 0, printed
    assert "audit.checkpoint_created" in _run(["audit", "log", "--limit", "1"])[1]
    assert " admin audit.checkpoint_created" in _run(["audit", "log", "--limit", "3"])[1]


def test_verify_without_as_runs_as_the_operator(sentinel):
    status, printed = _run(["verify", "--skip-blobs"])
    assert status == 0 and "OK: nothing differs" in printed
