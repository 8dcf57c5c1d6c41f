"""`sillok vault add|show|shred|list|rotate-key|erase`: the identity vault from the shell.

Values are read from standard input only (`--value-stdin`), never from the command line:
arguments end up in shell history and in the process list of every user of the machine.
"""

from __future__ import annotations

import json
import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from sillok.accounts.services import AccountError, find_user
from sillok.core.keys import SecretConfigError, decode_master_key
from sillok.vault import services
from sillok.vault.crypto import key_id
from sillok.vault.models import FieldName, PersonKind

VIA = "cli"


class Command(BaseCommand):
    help = (
        "The identity vault. `vault add --pseudonym P --field F --value-stdin` stores one "
        "detail (the entry is created if new); `vault show P --purpose TEXT --as USER` reveals "
        "an entry to a vault keeper; `vault shred P --reason TEXT --as USER` destroys it for "
        "good; `vault list --as USER`; `vault rotate-key --new-key-file PATH`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        add = sub.add_parser("add", help="store one detail of a person (value from stdin)")
        add.add_argument("--pseudonym", required=True, help="the name records use for them")
        add.add_argument("--field", required=True, choices=FieldName.values)
        add.add_argument(
            "--value-stdin",
            action="store_true",
            required=True,
            help="read the value from standard input (values are never taken as arguments)",
        )
        add.add_argument("--kind", choices=PersonKind.values, default=PersonKind.OTHER.value)
        add.add_argument("--person", metavar="REF", default="", help="person record, like P-12")
        add.add_argument("--as", dest="as_user", metavar="USER", help="act as this vault keeper")

        show = sub.add_parser("show", help="reveal an entry (vault keepers; audited)")
        show.add_argument("pseudonym")
        show.add_argument("--purpose", required=True, help="why you open it (audited)")
        show.add_argument("--as", dest="as_user", metavar="USER", required=True)
        show.add_argument("--json", action="store_true", help="print JSON")

        shred = sub.add_parser("shred", help="destroy an entry's key for good (audited)")
        shred.add_argument("pseudonym")
        shred.add_argument("--reason", required=True, help="why, e.g. consent withdrawn")
        shred.add_argument("--as", dest="as_user", metavar="USER", required=True)
        shred.add_argument("--yes", action="store_true", help="do not ask for confirmation")

        listing = sub.add_parser("list", help="pseudonyms and their state (no values)")
        listing.add_argument("--as", dest="as_user", metavar="USER", required=True)
        listing.add_argument("--json", action="store_true", help="print JSON")

        rotate = sub.add_parser("rotate-key", help="re-wrap every data key with a new master key")
        rotate.add_argument("--new-key-file", required=True, metavar="PATH")
        rotate.add_argument(
            "--generate", action="store_true", help="create PATH with a new random key first"
        )

        sub.add_parser("erase", help="checkpoint/vacuum what shredding left in database files")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "_" + options["subcommand"].replace("-", "_"))
        try:
            handler(options)
        except services.VaultRefused as exc:
            raise CommandError(str(exc), returncode=1) from None
        except services.VaultError as exc:
            raise CommandError(str(exc), returncode=2) from None

    def _user(self, name: str | None) -> Any:
        if name is None:
            return None
        try:
            return find_user(name)
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None

    @sensitive_variables("value")
    def _add(self, options: dict[str, Any]) -> None:
        if sys.stdin.isatty():
            self.stderr.write("Type the value, then press Enter and Ctrl-D:")
        value = sys.stdin.read()
        entry, created = services.do_add_field(
            self._user(options["as_user"]),
            options["pseudonym"],
            options["field"],
            value,
            kind=options["kind"],
            person=options["person"],
            via=VIA,
        )
        what = "new entry" if created else "entry"
        self.stdout.write(f"stored {options['field']} in {what} {entry.pseudonym}")

    @sensitive_variables("revealed")
    def _show(self, options: dict[str, Any]) -> None:
        revealed = services.do_open(
            self._user(options["as_user"]), options["pseudonym"], options["purpose"], via=VIA
        )
        entry = revealed.entry
        if options["json"]:
            data = {
                "pseudonym": entry.pseudonym,
                "kind": entry.kind,
                "person": f"P-{entry.person_id}" if entry.person_id else None,
                "fields": [{"field": f.field, "value": f.value} for f in revealed.fields],
            }
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"{entry.pseudonym} ({entry.get_kind_display()})")
        for f in revealed.fields:
            self.stdout.write(f"  {f.field}: {f.value}")

    def _shred(self, options: dict[str, Any]) -> None:
        user = self._user(options["as_user"])
        pseudonym = options["pseudonym"]
        if not options["yes"]:
            self.stdout.write(
                f"Shredding {pseudonym} destroys its identity for good; nothing can restore it.\n"
                "Type the pseudonym again to confirm: ",
                ending="",
            )
            self.stdout.flush()
            answer = sys.stdin.readline().strip()
            if answer != pseudonym.strip():
                raise CommandError("not confirmed; nothing was shredded", returncode=2)
        entry = services.do_shred(user, pseudonym, options["reason"], via=VIA)
        self.stdout.write(f"shredded {entry.pseudonym}")

    def _list(self, options: dict[str, Any]) -> None:
        entries = services.visible_entries(self._user(options["as_user"]), via=VIA)
        rows = [
            {
                "pseudonym": e.pseudonym,
                "kind": e.kind,
                "person": f"P-{e.person_id}" if e.person_id else None,
                "state": "shredded" if e.is_shredded else "sealed",
                "created_at": e.created_at.isoformat(),
                "shredded_at": e.shredded_at.isoformat() if e.shredded_at else None,
            }
            for e in entries
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['pseudonym']:<24} {row['kind']:<9} {row['state']:<9} {row['person'] or '-'}"
            )

    @sensitive_variables("new_master")
    def _rotate_key(self, options: dict[str, Any]) -> None:
        from sillok.core.keys import _new_master_key, _write_private
        from sillok.vault.rotation import do_rotate_master_key

        path = Path(options["new_key_file"])
        if options["generate"]:
            try:
                _write_private(path, _new_master_key())
            except FileExistsError:
                raise CommandError(f"{path} exists; --generate never overwrites", 2) from None
        try:
            new_master = decode_master_key(path.read_text().strip())
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", returncode=2) from None
        except SecretConfigError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        count = do_rotate_master_key(new_master)
        self.stdout.write(
            f"re-wrapped {count} data keys with master key {key_id(new_master)}.\n"
            "Now, before anything else uses the vault:\n"
            f"  1. install {path} as the master key (replace {_master_key_source()}),\n"
            "  2. restart every Sillok process (serve, worker),\n"
            "  3. keep the old key, offline, for as long as you keep backups made before now:\n"
            "     those backups can only be read with it. Destroying it also makes the\n"
            "     identities in those backups unreadable.\n"
            "Entries added by a process still running with the old key: run this command again\n"
            "with the same file before step 1 (it re-wraps only what is left)."
        )

    def _erase(self, options: dict[str, Any]) -> None:
        from sillok.vault.disk import erase_remnants

        if not erase_remnants():
            raise CommandError("could not finish; see the log and try again", returncode=1)
        self.stdout.write("done")


def _master_key_source() -> str:
    from django.conf import settings

    from sillok.core.keys import MASTER_KEY, keys_dir

    if os.environ.get(MASTER_KEY.env):
        return f"the {MASTER_KEY.env} environment variable"
    if os.environ.get(MASTER_KEY.env + "_FILE"):
        return os.environ[MASTER_KEY.env + "_FILE"]
    return str(keys_dir(settings.SILLOK_HOME) / MASTER_KEY.filename)
