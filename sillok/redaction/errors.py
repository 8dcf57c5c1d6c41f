"""Errors of the redactors (pure functions) and of the redaction services."""

from __future__ import annotations


class RedactionError(Exception):
    """A file cannot be redacted (unreadable, encrypted, too large, several frames). The
    message is shown to the user as is and says what is wrong with the file."""


class RedactionRefused(PermissionError):
    """The user may not do this (permission, own request, decided already); the message
    says why."""
