"""The `sillok` command: Django management commands under one name.

Exit status: 0 success, 1 problems found (e.g. `sillok verify`), 2 bad usage or bad input.
"""

from __future__ import annotations

import os
import signal
import sys

from sillok.core.filemodes import restrict_umask

SILLOK_COMMANDS = {
    "init": "create or migrate the repository in SILLOK_HOME (idempotent)",
    "serve": "serve the web UI and API with gunicorn",
    "worker": "run background jobs (--burst: drain the queue and exit)",
    "createuser": "create a user with a role",
    "passwd": "set a user's password (and lift a login lockout)",
    "reset-2fa": "remove a user's two-factor devices (lost phone)",
    "compartment": "compartments: `compartment create|grant|revoke|list` (operator)",
    "verify": "re-hash every blob and re-walk the audit chain",
    "audit": "audit log: `audit checkpoint [--export FILE]`, `audit log`",
    "witness": "checkpoint witnesses: `witness status|send|list|export --key FP --out DIR`",
    "demo": "load the demo dataset and demo users",
    "vocab": "vocabularies: `vocab list [SLUG] [--json]`, `vocab load`",
    "places": "gazetteer: `places search TEXT [--kind K] [--json]`, `places show CODE`",
    "record": "one record as a user sees it: `record show|history REF --as USER [--json]`",
    "import": "import records from a CSV or XLSX file (`import KIND FILE --as USER`)",
    "export": "export records to CSV, XLSX or JSON, as consent allows "
    "(`export KIND --purpose P [--recipient R] --out FILE --as USER`)",
    "vault": "identity vault: `vault add|show|shred|list|rotate-key` (values on stdin only)",
    "redact": "make redacted copies of an item for review: `redact ITEM --as USER [--json]`",
    "redaction": "redacted copies: `redaction list|review ID --approve|--reject --as USER`",
    "search": "search items and records: `search QUERY [--semantic] [--as USER] [--json]`",
    "saved-searches": "saved searches: `saved-searches check` (cron: alerts), "
    "`saved-searches list [--as USER] [--json]`",
    "reindex": "rebuild the search index (`reindex [--kind K] [--pending] [--embeddings]`)",
    "corroboration": "independent sources of an act or event: `corroboration REF --as USER "
    "[--json]`, `corroboration --rebuild`",
    "frameworks": "legal frameworks: `frameworks list|show ID [--json] [--as USER]`, "
    "`frameworks load FILE --as ADMIN`",
    "case": "case files: `case create|list|show|member|suspect|charge|link|task|withdraw|"
    "assess|submit|confirm|gaps|matrix ... --as USER [--json]`",
}

# Commands that do not clean up what crashed processes left: `verify` reports it.
READ_ONLY_COMMANDS = {"help", "verify"}

USAGE = (
    "usage: sillok COMMAND [options]   (sillok COMMAND --help for details)\n\ncommands:\n"
    + "".join(f"  {name:<11} {text}\n" for name, text in SILLOK_COMMANDS.items())
    + "\nEvery Django management command is available too (`sillok help --all`).\n"
)


def _home() -> str:
    return os.path.abspath(os.path.expanduser(os.environ.get("SILLOK_HOME", "./var")))


# Django runs its system checks (model definitions, and URL patterns, which imports every
# view and the API) before each command. They check the code, not the repository, so these
# commands keep them and the others skip them: about 1.8 of the 2.8 s a command took to start.
CHECKED_COMMANDS = frozenset({"check", "init", "migrate", "makemigrations"})


def _without_system_checks(argv: list[str]) -> list[str]:
    """`argv` with `--skip-checks` after the command name where the command runs checks."""
    from django.core.management import get_commands, load_command_class

    name = argv[0]
    app = get_commands().get(name)
    if app is None or name in CHECKED_COMMANDS or "--skip-checks" in argv:
        return argv
    if not load_command_class(app, name).requires_system_checks:
        return argv  # the option exists only on commands that run checks
    # Right after the name: before a subcommand, whose own parser would not know it.
    return [name, "--skip-checks", *argv[1:]]


def main(argv: list[str] | None = None) -> int:
    argv_given = argv
    argv = list(sys.argv[1:] if argv is None else argv)
    # Before anything is written, SQLite's files and exports included: private to this user.
    restrict_umask()
    if argv_given is None and hasattr(signal, "SIGPIPE"):
        # `sillok jobs | head`: stop quietly when the reader goes away, like other tools.
        # Only as the program itself: a process that calls main() in-process (the test
        # suite, an embedding tool) keeps Python's own handling, or any later write to a
        # closed socket or pipe would kill that whole process without a trace.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sillok.settings")
    if not argv or argv[0] in {"-h", "--help"} or argv == ["help"]:
        sys.stdout.write(USAGE)
        return 0
    if argv[0] == "init" and not ({"-h", "--help"} & set(argv)):
        # Keys must exist before Django reads settings; nothing about them is printed but names.
        from pathlib import Path

        from sillok.core import keys

        for description in keys.ensure_keys(Path(_home())):
            sys.stdout.write(f"created {description}\n")

    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"sillok: {exc}\n")
        return 2

    from django.core.management import ManagementUtility, get_commands

    if argv[0] != "help" and argv[0] not in get_commands():
        sys.stderr.write(f"sillok: unknown command {argv[0]!r}; run `sillok --help`\n")
        return 2
    if argv[0] not in READ_ONLY_COMMANDS:
        from sillok.custody.hygiene import remove_leftovers_at_start

        remove_leftovers_at_start()
    from sillok.custody.audit import AuditLogUnusable

    try:
        ManagementUtility(["sillok", *_without_system_checks(argv)]).execute()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except AuditLogUnusable as exc:
        # Every write appends to the audit log; a damaged log refuses them all, plainly.
        sys.stderr.write(f"sillok: refused: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
