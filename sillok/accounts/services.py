"""Operations on users and roles. Every write to accounts goes through here."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from sillok.accounts.models import User
from sillok.accounts.roles import ROLES, get_role
from sillok.custody.audit import record_audit


class AccountError(ValueError):
    """Bad input to an accounts operation; the message says what to fix."""


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def sync_roles() -> list[str]:
    """Create the role groups and set their permissions from roles.py; return changed roles."""
    changed = []
    with transaction.atomic():
        for role in ROLES:
            group, created = Group.objects.get_or_create(name=role.name)
            wanted = set(_permissions(role.permissions))
            if created or set(group.permissions.all()) != wanted:
                group.permissions.set(wanted)
                changed.append(role.name)
        if changed:
            record_audit(None, "roles.synced", object_type="group", details={"roles": changed})
    return changed


def do_create_user(
    actor: User | None,
    username: str,
    *,
    role: str,
    password: str,
    email: str = "",
) -> User:
    """Create a user with one role. Raises AccountError on bad input, changing nothing."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        role_obj = get_role(role)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    username = username.strip()
    if not username:
        raise AccountError("the username is empty")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"a user called {username!r} already exists")
    candidate = User(username=username, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise AccountError("password rejected: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        user.groups.add(Group.objects.get(name=role_obj.name))
        if role_obj.name == "admin":
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        record_audit(
            actor,
            "user.created",
            object_type="user",
            object_id=user.pk,
            details={"username": username, "role": role_obj.name},
        )
    return user


def find_user(username: str) -> User:
    """The user called `username` (any case); AccountError if there is none."""
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise AccountError(f"no user called {username!r}")
    return user


def do_set_password(actor: User | None, user: User, password: str) -> None:
    """Give `user` a new password after the same checks as at creation; audit without it.

    Also lifts a login lockout of the account: an administrator setting a new password is
    the usual answer to "I am locked out".
    """
    from axes.utils import reset
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("password rejected: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        # Lock the row: a concurrent change of the same user must not be lost under this save.
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        reset(username=locked.get_username())
        record_audit(
            actor,
            "user.password_set",
            object_type="user",
            object_id=locked.pk,
            details={"username": locked.get_username()},
        )
