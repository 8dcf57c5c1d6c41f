"""Passwords at the console: read from standard input, or generated and shown once."""

from __future__ import annotations

import secrets
import sys

from django.core.management.base import CommandError

# 24 characters from a 64-symbol alphabet: 144 bits, far beyond any guessing, and free of
# characters a shell or a terminal would mangle.
GENERATED_PASSWORD_BYTES = 18


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def read_password_from_stdin() -> str:
    """The first line of standard input without its line ending; exit 2 if there is none.

    Only the line ending is removed: spaces at either end are part of the password.
    """
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise CommandError("no password on standard input", returncode=2)
    return password
