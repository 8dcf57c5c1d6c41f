"""Django's `flush`, made to respect the append-only custody tables.

The custody triggers refuse DELETE and TRUNCATE, so a plain flush fails. The test runner
flushes between transactional tests: there the triggers are lifted for the flush and put
back in the same transaction. Anywhere else a flush that would erase audit entries is refused:
the application never destroys the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from sillok.custody.triggers import lifted_triggers


def _in_test_run() -> bool:
    # setup_test_environment() (Django's runner, pytest-django) installs the locmem outbox.
    return hasattr(mail, "outbox")


class Command(DjangoFlush):
    help = DjangoFlush.help + " Refused outside tests when the audit log has entries."

    def handle(self, **options: Any) -> None:
        from sillok.custody.models import AuditEntry

        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if not _in_test_run():
            if AuditEntry.objects.using(database).exists():
                raise CommandError(
                    "refused: flush would erase the append-only audit log", returncode=2
                )
            return super().handle(**options)
        with lifted_triggers(connection):
            return super().handle(**options)
