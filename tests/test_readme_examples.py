"""The README's examples work on the demo data, and the README names nothing outside the
repository.

The demo is loaded as `make demo` loads it (`sillok demo`, then `python -m bench.synthetic
demo`), then every `sillok …` line of the README's command list is run: searches through the
search service, the other reading commands through `call_command`. Each must return at least
one result. Commands that change or serve the repository, or read the reader's own files, are
listed in NOT_RUN with the reason; a README line that is neither run nor listed fails.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Commands whose README line is a form to copy rather than a question to the demo data.
NOT_RUN = {
    "init": "creates or migrates the repository",
    "createuser": "creates a user",
    "serve": "serves until stopped",
    "worker": "runs until stopped",
    "ingest": "takes in the reader's own files",
    "import": "reads the reader's own spreadsheet",
    "reindex": "rebuilds the index (done below before searching)",
    "saved-searches": "mails alerts for saved searches",
    "verify": "re-hashes every blob (tests/custody cover it)",
    "witness": "sends checkpoints out of the machine",
    "audit": "writes a signed checkpoint",
}
# Examples written inside the comments of the command list.
COMMENT_EXAMPLES = ["sillok record history P-12 --as demo-analyst", "sillok places search 회령"]


def command_lines(text: str) -> list[list[str]]:
    """The words of each `sillok …` line in the README's command list (comments dropped,
    alternatives like show|text|custody expanded, [optional] parts left out)."""
    section = text.split("## The `sillok` command", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in section.splitlines():
        words = shlex.split(re.sub(r"\[[^\]]*\]", "", line), comments=True)
        if not words or words[0] != "sillok":
            continue
        for i, word in enumerate(words):
            if "|" in word and not word.startswith("-") and " " not in word:
                commands.extend([*words[:i], choice, *words[i + 1 :]] for choice in word.split("|"))
                break
        else:
            commands.append(words)
    return commands


def option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


def positional(words: list[str]) -> list[str]:
    out, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word.startswith("--"):
            skip = word in {"--as", "--format", "--out", "--limit", "--type", "--purpose"}
        else:
            out.append(word)
    return out


def test_readme_names_no_path_outside_the_repository():
    text = README.read_text(encoding="utf-8")
    assert "../" not in text
    assert "/work/" not in text
    for path in re.findall(r"`((?:sillok|docs|tests|bench|scripts)/[^`\s]*)`", text):
        assert (ROOT / path).exists(), f"README names {path}, which is not in the repository"


def test_every_readme_command_is_run_or_said_why_not():
    text = README.read_text(encoding="utf-8")
    for example in COMMENT_EXAMPLES:
        assert example.split(" --as")[0].removeprefix("sillok ") in text
    for words in command_lines(text):
        assert words[1] in NOT_RUN or words[1] in RUNNERS, f"README line not tested: {words}"


# --- running them on the demo ----------------------------------------------------------------


def _search(words: list[str], ids: dict) -> int:
    from sillok.accounts.models import User
    from sillok.search.services import search

    user = User.objects.get(username=option(words, "--as"))
    [query] = positional(words)[1:]
    return search(user, query, semantic="--semantic" in words, facets=False).total


def _cli(words: list[str], ids: dict) -> int:
    """Runs the command; the number of results in its JSON (a list, or a dict's items)."""
    args = [ids.get(word, word) for word in words[1:]]
    out_file = option(args, "--out")
    if out_file is not None:
        args[args.index(out_file)] = str(ids["tmp"] / out_file)
    if "--json" not in args and words[1] not in {"export", "item"}:
        args.append("--json")
    stdout = io.StringIO()
    call_command(*args, stdout=stdout)
    if out_file is not None:
        from openpyxl import load_workbook

        return load_workbook(ids["tmp"] / out_file).active.max_row - 1  # less the header
    output = stdout.getvalue()
    if "--json" not in args:
        return len([line for line in output.splitlines() if line.strip()])
    data = json.loads(output)
    return len(data) if isinstance(data, list | dict) else int(bool(data))


RUNNERS: dict[str, Callable[[list[str], dict], int]] = {
    "search": _search,
    "record": _cli,
    "vocab": _cli,
    "places": _cli,
    "item": _cli,
    "jobs": _cli,
    "export": _cli,
    "corroboration": _cli,
    "frameworks": _cli,
    "case": _cli,
}


@pytest.mark.django_db
def test_every_readme_example_returns_something_on_the_demo_data(
    roles, vocabularies, repo_home, tmp_path
):
    from bench.synthetic_demo import do_load_demo_records
    from sillok.demo.services import do_load_demo
    from sillok.evidence.models import Item
    from sillok.search.embedding_jobs import embed_pending
    from sillok.search.indexing import process_queue

    do_load_demo()
    do_load_demo_records()
    # The tests' transactions never commit, so the after-commit indexing is done here.
    while process_queue():
        pass
    embed_pending()
    note = Item.objects.get(title__startswith="면담 기록: 증언자 회령-1")
    # The README's P-12 is the twelfth person of a fresh demo; PostgreSQL's sequences go on
    # counting across tests, so here it is the twelfth person this test made.
    from sillok.records.models import Person

    twelfth = Person.objects.order_by("pk").values_list("pk", flat=True)[11]
    ids = {"ID": str(note.pk), "tmp": tmp_path, "P-12": f"P-{twelfth}"}
    # Likewise the demo case file (the first case) and A-7, the seventh act: the beating in
    # that case (sillok/demo/data/assessment/), with a hearsay chain and a contradiction.
    from sillok.assessment.models import CaseFile
    from sillok.records.models import Act

    seventh = Act.objects.order_by("pk").values_list("pk", flat=True)[6]
    ids |= {"1": str(CaseFile.objects.order_by("pk").first().pk), "A-7": f"A-{seventh}"}
    text = README.read_text(encoding="utf-8")
    examples = [*command_lines(text), *(shlex.split(e) for e in COMMENT_EXAMPLES)]
    failures = []
    for words in examples:
        runner = RUNNERS.get(words[1])
        if runner is None:
            continue
        try:
            found = runner(words, ids)
        except Exception as exc:  # every failing example is reported, not only the first
            failures.append(f"{shlex.join(words)}: {type(exc).__name__}: {exc}")
            continue
        if found < 1:
            failures.append(f"{shlex.join(words)}: nothing found")
    assert not failures, "\n".join(failures)
