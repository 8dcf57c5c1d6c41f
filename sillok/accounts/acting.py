"""`--as USER` for CLI commands that read data: whose permissions the command applies.

Without `--as` a command acts as the operator at the server's shell (who holds the keys and
the database already); with it, the command shows only what USER may see, exactly as the
web and the API would. A refusal exits with status 2 and says no more than the web does.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from sillok.accounts.services import AccountError, find_user


def add_as_option(parser: ArgumentParser, help_text: str = "apply USER's permissions") -> None:
    parser.add_argument("--as", dest="as_user", metavar="USER", help=help_text)


def acting_user(username: str | None, permission: str | None = None) -> Any:
    """The user named by --as (None when it was not given); CommandError when there is no
    such user, the account is disabled, or it lacks `permission`."""
    if not username:
        return None
    try:
        user = find_user(username)
    except AccountError as exc:
        raise CommandError(f"--as: {exc}", returncode=2) from None
    if not user.is_active:
        raise CommandError(f"--as: the account {user.username!r} is disabled", returncode=2)
    if permission and not user.has_perm(permission):
        raise CommandError(f"{user.username} may not do this (needs {permission})", returncode=2)
    return user
