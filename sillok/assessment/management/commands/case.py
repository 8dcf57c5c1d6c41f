"""`sillok case create|list|show|member|suspect|charge|link|task|withdraw|assess|submit|
confirm|gaps|matrix ... --as USER`: case files from the command line.

Every subcommand acts as USER, with USER's permissions (there is no operator bypass: a case
is seen by the members of its compartment only). A case USER may not see answers "no case N"
exactly like a missing one. Bad input exits with status 2 and changes nothing.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sillok.accounts.services import AccountError, find_user
from sillok.assessment.access import CaseActionRefused, CaseNotFound, access_case, visible_cases
from sillok.assessment.case_input import CaseInputError
from sillok.assessment.case_lookup import RowNotFound, charge_for_element, row_of
from sillok.assessment.models import CaseFile
from sillok.assessment.presentation import case_as_dict, case_summary, charge_dict, task_dict

ROW_KINDS = ("suspect", "charge", "task", "link", "assessment")


def _add_common(parser: ArgumentParser, *, case: bool = True) -> None:
    if case:
        parser.add_argument("case", metavar="CASE", help="the case id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--as", dest="as_user", metavar="USER", required=True,
                        help="act as USER, with USER's permissions")  # fmt: skip


class Command(BaseCommand):
    help = (
        "Case files: open one (create), list and show them, add members, suspects, charges, "
        "evidence links and tasks, withdraw rows, assess and review elements, list gaps and "
        "export the proof matrix. Every subcommand acts --as USER. Exit status 2 on bad input "
        "or refusal."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="open a case file (in its own compartment)")
        create.add_argument("title", metavar="TITLE")
        create.add_argument("--framework", default="rome-statute", help="framework code")
        create.add_argument("--standard", default="standard-rgb", help="standard of proof code")
        create.add_argument("--strategy", default="", help="strategy notes")
        create.add_argument("--sensitivity", default="restricted")
        _add_common(create, case=False)
        _add_common(sub.add_parser("list", help="the cases you may see"), case=False)
        _add_common(sub.add_parser("show", help="one case: members, suspects, charges, tasks"))
        member = sub.add_parser("member", help="add (or --remove) a member of the case")
        _add_common(member)
        member.add_argument("member", metavar="USER")
        member.add_argument("--remove", action="store_true")
        suspect = sub.add_parser("suspect", help="name a person (P-12) or unit (O-3) a suspect")
        _add_common(suspect)
        suspect.add_argument("ref", metavar="REF")
        suspect.add_argument("--notes", default="")
        charge = sub.add_parser("charge", help="charge a suspect with a crime by a mode")
        _add_common(charge)
        charge.add_argument("--crime", required=True, help="crime code or id (art7-1-f)")
        charge.add_argument("--suspect", required=True, help="P-12 or O-3 (added if needed)")
        charge.add_argument("--mode", required=True, help="mode of liability (art25-3-a)")
        charge.add_argument("--notes", default="")
        link = sub.add_parser("link", help="link evidence to an element of a charge")
        _add_common(link)
        link.add_argument("--element", required=True, help="element code or id")
        link.add_argument("--evidence", required=True, help="X-5 (item), T-3, I-4, A-12, ...")
        link.add_argument("--passage", default="", help="p3, p3-4, c120-480, t12.5-40")
        link.add_argument("--assessment", default="supports", help="supports|contradicts|context")
        link.add_argument("--weight", default="medium", help="low|medium|high")
        link.add_argument("--comment", default="")
        link.add_argument("--charge", default=None, help="the charge, when several have it")
        task = sub.add_parser("task", help="add a task (TITLE) or change one (--id N)")
        _add_common(task)
        task.add_argument("title", metavar="TITLE", nargs="?", default=None)
        task.add_argument("--id", dest="task_id", default=None, help="the task to change")
        task.add_argument("--revision", type=int, default=None, help="with --id")
        task.add_argument("--status", default=None, help="open|in_progress|done|cancelled")
        task.add_argument("--description", default=None)
        task.add_argument("--assignee", default=None, help="a member of the case")
        task.add_argument("--due", default=None, help="due date, 2026-12-31")
        task.add_argument("--charge", default=None)
        task.add_argument("--element", action="append", default=[], help="repeatable")
        withdraw = sub.add_parser("withdraw", help="withdraw a row of the case with a reason")
        _add_common(withdraw)
        withdraw.add_argument("kind", choices=ROW_KINDS)
        withdraw.add_argument("row", metavar="ID")
        withdraw.add_argument("--reason", required=True)
        self._review_parsers(sub)
        gaps = sub.add_parser("gaps", help="elements lacking evidence; --task KEY makes a task")
        _add_common(gaps)
        gaps.add_argument("--task", dest="gap", default=None, metavar="KEY")
        gaps.add_argument("--assignee", default=None)
        gaps.add_argument("--due", default=None)
        matrix = sub.add_parser("matrix", help="the proof matrix (JSON), or a file")
        _add_common(matrix)
        matrix.add_argument("--format", dest="fmt", default="json", choices=["json", "xlsx", "pdf"])
        matrix.add_argument("--out", default=None, help="file to write (needed for xlsx, pdf)")
        matrix.add_argument("--purpose", default="prosecution")
        matrix.add_argument("--recipient", default="")
        matrix.add_argument("--language", default=None, help="en or ko")

    def _review_parsers(self, sub: Any) -> None:
        for name, text in (
            ("assess", "assess an element of a charge (its status now, an override)"),
            ("submit", "send an element's assessment for review"),
            ("confirm", "confirm (or --return) another expert's assessment"),
        ):
            parser = sub.add_parser(name, help=text)
            _add_common(parser)
            parser.add_argument("--element", required=True)
            parser.add_argument("--charge", default=None)
            parser.add_argument("--comment", default="")
            if name == "assess":
                parser.add_argument("--override", default="", help="met|insufficient|...")
                parser.add_argument("--reason", default="", help="why, with --override")
            if name == "confirm":
                parser.add_argument("--return", dest="send_back", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = find_user(options["as_user"])
        except AccountError as exc:
            raise CommandError(f"--as: {exc}", returncode=2) from None
        action = options["action"]
        try:
            if action in ("create", "list"):
                data = getattr(self, f"_{action}")(user, options)
            else:
                case = access_case(user, options["case"])
                data = getattr(self, f"_{action}")(user, case, options)
        except CaseNotFound:
            raise CommandError(f"no case {options.get('case')}", returncode=2) from None
        except (CaseInputError, CaseActionRefused, RowNotFound, LookupError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self._print(data, options["json"])

    def _print(self, data: Any, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        elif isinstance(data, str):
            self.stdout.write(data)
        elif isinstance(data, dict) and "suspects" in data:
            self._print_case(data)
        elif isinstance(data, list):
            for row in data:
                self.stdout.write(_line(row))
        else:
            self.stdout.write(_line(data))

    def _print_case(self, case: dict[str, Any]) -> None:
        self.stdout.write(_line(case))
        self.stdout.write(f"  standard {case['standard']} · members: {', '.join(case['members'])}")
        for suspect in case["suspects"]:
            label = suspect["label"] or "(not visible to you)"
            self.stdout.write(f"  suspect {suspect['id']}: {suspect['ref']} {label}")
        for charge in case["charges"]:
            state = " (withdrawn)" if charge["withdrawn"] else ""
            self.stdout.write(
                f"  charge {charge['id']}: {charge['crime']['code']} × suspect "
                f"{charge['suspect']} × {charge['mode']['code']}{state}"
            )
        for link in case["evidence_links"]:
            if not link["withdrawn"]:
                passage = f" {link['passage_label']}" if link["passage_label"] else ""
                self.stdout.write(
                    f"  link {link['id']}: {link['element']} ← {link['ref']}{passage} "
                    f"{link['assessment']}, {link['weight']}"
                )
        for task in case["tasks"]:
            self.stdout.write(
                f"  task {task['id']}: {task['title']} [{task['status']}] "
                f"{task['assignee'] or '-'} {task['due_date'] or ''}".rstrip()
            )

    # --- the case -----------------------------------------------------------------------

    def _create(self, user: Any, options: dict) -> dict:
        from sillok.assessment.elements import find_element
        from sillok.assessment.models import Framework
        from sillok.assessment.services import do_create_case

        framework = Framework.objects.filter(code=options["framework"].strip()).first()
        if framework is None:
            raise CaseInputError("framework", f"no framework {options['framework']!r}")
        standard = find_element(options["standard"], framework)
        case = do_create_case(
            user,
            options["title"],
            framework=framework,
            standard=standard,
            strategy=options["strategy"],
            sensitivity=options["sensitivity"],
        )
        return case_summary(case)

    def _list(self, user: Any, options: dict) -> list:
        from sillok.assessment.access import can_view_cases

        if not can_view_cases(user):
            raise CaseActionRefused("seeing case files needs the view_cases permission")
        cases = visible_cases(user).select_related("compartment", "framework", "standard")
        return [case_summary(case) for case in cases.select_related("created_by")]

    def _show(self, user: Any, case: CaseFile, options: dict) -> dict:
        return case_as_dict(user, case)

    def _member(self, user: Any, case: CaseFile, options: dict) -> str:
        from sillok.assessment.services import do_add_member, do_remove_member

        name = options["member"]
        if options["remove"]:
            done = do_remove_member(user, case, name)
            return f"removed {name} from case {case.pk}" if done else f"not a member: {name}"
        done = do_add_member(user, case, name)
        return f"added {name} to case {case.pk}" if done else f"already a member: {name}"

    # --- suspects, charges, links, tasks --------------------------------------------------

    def _suspect_record(self, user: Any, ref: str) -> tuple[str, Any]:
        from sillok.records.access import RecordNotFound, access_record
        from sillok.records.fields import FieldError, parse_reference

        try:
            kind, pk = parse_reference(ref)
        except FieldError as exc:
            raise CaseInputError("suspect", str(exc)) from None
        if kind not in ("person", "organization"):
            raise CaseInputError("suspect", f"{ref} is not a person or an organization")
        try:
            return kind, access_record(user, kind, pk)
        except RecordNotFound as exc:
            raise CaseInputError("suspect", str(exc)) from None

    def _suspect(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.presentation import suspects_as_dicts
        from sillok.assessment.services import do_add_suspect

        kind, record = self._suspect_record(user, options["ref"])
        suspect = do_add_suspect(user, case, notes=options["notes"], **{kind: record})
        return suspects_as_dicts(user, [suspect])[0]

    def _charge(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.case_lookup import suspect_for_record
        from sillok.assessment.elements import find_element
        from sillok.assessment.services import do_add_charge, do_add_suspect

        crime = find_element(options["crime"], case.framework)
        mode = find_element(options["mode"], case.framework)
        kind, record = self._suspect_record(user, options["suspect"])
        suspect = suspect_for_record(case, kind, record.pk)
        if suspect is None:
            suspect = do_add_suspect(user, case, **{kind: record})
        charge = do_add_charge(
            user, case, crime=crime, suspect=suspect, mode=mode, notes=options["notes"]
        )
        return charge_dict(charge)

    def _link(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.elements import find_element
        from sillok.assessment.evidence_refs import parse_evidence_ref
        from sillok.assessment.presentation import link_dict
        from sillok.assessment.services import do_link_evidence

        element = find_element(options["element"], case.framework)
        charge = charge_for_element(case, element, options["charge"])
        kind, pk = parse_evidence_ref(options["evidence"])
        link = do_link_evidence(
            user,
            charge,
            element,
            evidence_kind=kind,
            evidence_id=pk,
            passage=options["passage"] or None,
            assessment=options["assessment"],
            weight=options["weight"],
            comment=options["comment"],
        )
        return link_dict(user, link)

    def _task(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.elements import find_element
        from sillok.assessment.services import do_create_task, do_update_task

        values: dict[str, Any] = {}
        named = {"title": "title", "description": "description", "assignee": "assignee",
                 "due": "due_date", "status": "status"}  # fmt: skip
        for option, name in named.items():
            if options[option] is not None:
                values[name] = options[option]
        if options["charge"] is not None:
            chosen = options["charge"]
            values["charge"] = row_of(case, "charge", chosen) if chosen else None
        if options["element"]:
            values["elements"] = [find_element(spec, case.framework) for spec in options["element"]]
        if options["task_id"] is None:
            if "status" in values:
                raise CaseInputError("status", "a new task is open; change it with --id")
            task = do_create_task(user, case, title=values.pop("title", ""), **values)
        else:
            task = row_of(case, "task", options["task_id"])
            task = do_update_task(user, task, revision=options["revision"], **values)
        return task_dict(task)

    def _withdraw(self, user: Any, case: CaseFile, options: dict) -> str:
        from sillok.assessment.services import do_withdraw

        row = row_of(case, options["kind"], options["row"])
        do_withdraw(user, row, reason=options["reason"])
        return f"withdrew {options['kind']} {row.pk} of case {case.pk}"

    # --- assessments, gaps, the matrix ---------------------------------------------------

    def _element_and_charge(self, case: CaseFile, options: dict) -> tuple[Any, Any]:
        from sillok.assessment.elements import find_element

        element = find_element(options["element"], case.framework)
        return element, charge_for_element(case, element, options["charge"])

    def _assessment(self, case: CaseFile, options: dict) -> Any:
        from sillok.assessment.models import ElementAssessment

        element, charge = self._element_and_charge(case, options)
        found = ElementAssessment.objects.filter(
            charge=charge, element=element, withdrawn_at__isnull=True
        ).first()
        if found is None:
            raise CaseInputError("element", f"{element.code} has not been assessed yet")
        return found

    def _assess(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.review import do_assess_element

        element, charge = self._element_and_charge(case, options)
        row = do_assess_element(
            user,
            charge,
            element,
            override_status=options["override"],
            override_reason=options["reason"],
            comment=options["comment"],
        )
        return _assessment_dict(row)

    def _submit(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.review import do_submit_assessment

        return _assessment_dict(do_submit_assessment(user, self._assessment(case, options)))

    def _confirm(self, user: Any, case: CaseFile, options: dict) -> dict:
        from sillok.assessment.review import do_confirm_assessment, do_return_assessment

        row = self._assessment(case, options)
        if options["send_back"]:
            row = do_return_assessment(user, row, comment=options["comment"])
        else:
            row = do_confirm_assessment(user, row, comment=options["comment"])
        return _assessment_dict(row)

    def _gaps(self, user: Any, case: CaseFile, options: dict) -> Any:
        from sillok.assessment.case_input import parse_date
        from sillok.assessment.gaps import do_task_from_gap, gaps_of

        if options["gap"]:
            task = do_task_from_gap(
                user,
                case,
                options["gap"],
                assignee=options["assignee"],
                due_date=parse_date("due_date", options["due"]),
            )
            return task_dict(task)
        return [gap.as_dict() for gap in gaps_of(user, case)]

    def _matrix(self, user: Any, case: CaseFile, options: dict) -> Any:
        from sillok.assessment.exports import write_matrix
        from sillok.assessment.matrix import build_matrix

        if options["out"] is None:
            if options["fmt"] != "json":
                raise CaseInputError("out", f"say where to write the {options['fmt']} file")
            options["json"] = True
            return build_matrix(user, case)
        export = write_matrix(
            user,
            case,
            options["fmt"],
            Path(options["out"]),
            purpose=options["purpose"],
            recipient=options["recipient"],
            language=options["language"],
        )
        return {
            "path": str(export.path),
            "format": export.format,
            "sha256": export.sha256,
            "evidence": export.evidence,
            "withheld": export.withheld,
        }


def _assessment_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "charge": row.charge_id,
        "element": row.element.code,
        "status": row.status,
        "computed_status": row.computed_status,
        "override_status": row.override_status,
        "review_state": row.review_state,
        "assessor": row.assessor.get_username(),
        "reviewer": row.reviewer.get_username() if row.reviewer_id else None,
        "revision": row.revision,
    }


def _line(row: Any) -> str:
    """One readable line for a row printed without --json."""
    if not isinstance(row, dict):
        return str(row)
    if "compartment" in row and "title" in row:
        return f"case {row['id']}  {row['title']}  [{row['compartment']}, {row['status']}]"
    if "key" in row:
        return f"{row['key']}  {row['label']}: {row['element']}"
    fields = [f"{key}={value}" for key, value in row.items() if value not in (None, "", [], {})]
    return "  ".join(fields)
