"""Compartments (cases or projects) and who is a member: every write goes through here, each
audited in the same transaction. Who may see what is decided in accounts/clearance.py."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from sillok.accounts.clearance import forget_compartments, may_see_compartment
from sillok.accounts.models import Compartment, User
from sillok.custody.audit import record_audit

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class CompartmentError(ValueError):
    """Bad input to a compartment operation, or a compartment the user is not a member of;
    the message says what to fix."""


def find_compartment(code: str) -> Compartment:
    found = Compartment.objects.filter(code=str(code).strip().lower()).first()
    if found is None:
        raise CompartmentError(f"no compartment {code!r}")
    return found


def compartment_for(user: Any, code: str | None) -> Compartment | None:
    """The compartment `code` names, if `user` is a member of it: a user may put an item or
    a record only into a compartment they are cleared for (or into none: empty code). The
    message is the same for a missing compartment and one the user is not in."""
    code = (code or "").strip().lower()
    if not code:
        return None
    found = Compartment.objects.filter(code=code).first()
    if found is None or not may_see_compartment(user, found.pk):
        raise CompartmentError(
            f"no compartment {code!r} that you are a member of "
            "(ask an administrator to grant you access)"
        )
    return found


def do_create_compartment(
    actor: Any, code: str, *, name: str, description: str = ""
) -> Compartment:
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise CompartmentError(
            f"{code!r} is not a compartment code: lower-case letters, digits, - and _, "
            "at most 64 characters"
        )
    name = name.strip()
    if not name:
        raise CompartmentError("the name is empty")
    if len(name) > 200:
        raise CompartmentError("the name is longer than 200 characters")
    with transaction.atomic():
        if Compartment.objects.filter(code=code).exists():
            raise CompartmentError(f"a compartment {code!r} already exists")
        compartment = Compartment.objects.create(
            code=code, name=name, description=description.strip()
        )
        record_audit(
            actor,
            "compartment.created",
            object_type="compartment",
            object_id=compartment.pk,
            details={"code": code},
        )
    return compartment


def _member(username: str) -> User:
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise CompartmentError(f"no user {username!r}")
    return user


def do_grant(actor: Any, code: str, username: str) -> bool:
    """Make `username` a member of compartment `code`; False if they already were."""
    with transaction.atomic():
        compartment = find_compartment(code)
        user = _member(username)
        if user.compartments.filter(pk=compartment.pk).exists():
            return False
        user.compartments.add(compartment)
        record_audit(
            actor,
            "compartment.granted",
            object_type="compartment",
            object_id=compartment.pk,
            details={"code": compartment.code, "user_id": user.pk},
        )
    forget_compartments(user)
    return True


def do_revoke(actor: Any, code: str, username: str) -> bool:
    """End the membership of `username` in compartment `code`; False if there was none."""
    with transaction.atomic():
        compartment = find_compartment(code)
        user = _member(username)
        if not user.compartments.filter(pk=compartment.pk).exists():
            return False
        user.compartments.remove(compartment)
        record_audit(
            actor,
            "compartment.revoked",
            object_type="compartment",
            object_id=compartment.pk,
            details={"code": compartment.code, "user_id": user.pk},
        )
    forget_compartments(user)
    return True


def compartment_rows() -> list[dict[str, Any]]:
    """Every compartment with its members' user names (for `sillok compartment list`)."""
    rows = []
    for compartment in Compartment.objects.prefetch_related("members").order_by("code"):
        rows.append(
            {
                "code": compartment.code,
                "name": compartment.name,
                "description": compartment.description,
                "members": sorted(user.get_username() for user in compartment.members.all()),
            }
        )
    return rows
