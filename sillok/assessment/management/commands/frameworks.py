"""`sillok frameworks list [--json]`, `sillok frameworks show ID_OR_CODE [--json]`,
`sillok frameworks load [FILE] [--json]` (with --as USER for every action)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.acting import acting_user, add_as_option
from sillok.assessment.framework_files import FrameworkFileError
from sillok.assessment.framework_queries import (
    FrameworkNotFound,
    can_read_frameworks,
    find_framework,
    framework_as_dict,
    framework_summary,
    frameworks_with_counts,
)
from sillok.assessment.frameworks import (
    MANAGE_PERMISSION,
    FrameworkLoadRefused,
    do_load_framework_file,
    do_load_shipped_frameworks,
)


class Command(BaseCommand):
    help = (
        "Legal frameworks: `list` names them (--json: id, code, name, labels, counts); `show "
        "ID_OR_CODE` prints the element tree (--json: every element with id, code, kind, "
        "parent, English and Korean labels, reference and violation terms); `load FILE --as "
        "ADMIN` adds or updates an administrator's own framework; `load` without FILE reloads "
        "the shipped frameworks, as `sillok init` does."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["list", "show", "load"])
        parser.add_argument("target", nargs="?", metavar="ID_OR_CODE_OR_FILE")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--include-retired", action="store_true", help="show: also retired elements"
        )
        add_as_option(parser, "act as USER (reading needs case or record access; loading "
                      f"a file needs {MANAGE_PERMISSION})")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        action, target = options["action"], options["target"]
        if action == "load":
            self._load(user, target, options["json"])
            return
        if user is not None and not can_read_frameworks(user):
            raise CommandError(
                f"{user.username} may not read the legal frameworks (needs "
                "assessment.view_cases or records.view_record)",
                returncode=2,
            )
        if action == "list":
            if target:
                raise CommandError("`frameworks list` takes no argument", returncode=2)
            self._list(options["json"])
            return
        if not target:
            raise CommandError("`frameworks show` needs an ID or a CODE", returncode=2)
        self._show(target, options["json"], options["include_retired"])

    def _out(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _list(self, as_json: bool) -> None:
        rows = [framework_summary(framework) for framework in frameworks_with_counts()]
        if as_json:
            self._out(rows)
            return
        if not rows:
            self.stderr.write("no frameworks loaded: run `sillok init` or `sillok frameworks load`")
        for row in rows:
            self.stdout.write(
                f"{row['id']:>4} {row['code']:<16} {row['crimes']:>3} crimes "
                f"{row['elements']:>4} elements  {row['label_en']} / {row['label_ko']}"
            )

    def _show(self, target: str, as_json: bool, include_retired: bool) -> None:
        try:
            framework = find_framework(target)
        except FrameworkNotFound as exc:
            raise CommandError(str(exc), returncode=2) from None
        data = framework_as_dict(framework, include_retired=include_retired)
        if as_json:
            self._out(data)
            return
        self.stdout.write(f"{data['code']}  {data['label_en']} / {data['label_ko']}")
        depth: dict[str | None, int] = {None: 0}
        for element in data["elements"]:
            level = depth.get(element["parent"], 0)
            depth[element["code"]] = level + 1
            korean = f" / {element['label_ko']}" if element["label_ko"] else ""
            retired = "  (retired)" if not element["active"] else ""
            self.stdout.write(
                f"{'  ' * level}{element['id']:>5} {element['code']} [{element['kind']}] "
                f"{element['label_en']}{korean}{retired}"
            )

    def _load(self, user: Any, target: str | None, as_json: bool) -> None:
        if not target:
            if user is not None:
                raise CommandError(
                    "reloading the shipped frameworks is the operator's (`sillok init`); "
                    "give a FILE to load your own",
                    returncode=2,
                )
            summary = do_load_shipped_frameworks()
            if as_json:
                self._out(summary["frameworks"])
                return
            for code, counts in sorted(summary["frameworks"].items()):
                self.stdout.write(f"{code:<16} " + ", ".join(f"{v} {k}" for k, v in counts.items()))
            return
        if user is None:
            raise CommandError(
                "loading a framework file needs --as ADMIN (the audit log names who loaded it)",
                returncode=2,
            )
        try:
            framework = do_load_framework_file(user, Path(target))
        except FrameworkLoadRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        except FrameworkFileError as exc:
            raise CommandError(str(exc), returncode=1) from None
        summary = framework_summary(frameworks_with_counts().get(pk=framework.pk))
        if as_json:
            self._out(summary)
            return
        self.stdout.write(
            f"loaded {summary['code']}: {summary['elements']} elements, {summary['crimes']} crimes"
        )
