"""Identity strings written through the vault never appear in plaintext anywhere on disk, in
the database, in the audit log or in the logs (issue 5: "vault data never appears in plaintext
on disk or in logs").

The strings go in through the CLI (a real subprocess on the test database) and the web, are
revealed through both, shredded once and handed to redaction; then every file of both Sillok
homes (the test session's: database file with its -wal/-shm, log file; the fresh one the CLI
used: blobs, logs), every row of every table (read back through SQL) and everything logged
are searched for each string in UTF-8 (NFC and NFD), UTF-16 (both byte orders), as a JSON
escape and as the hex that PostgreSQL prints for bytea.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from sillok.testing.cli import run_sillok
from sillok.vault import services

pytestmark = pytest.mark.django_db(transaction=True)

PURPOSE = "prepare the witness protection review"
# pseudonym -> [(field, value)]; W-SCAN-3 is shredded before the scan.
BY_CLI = {
    "W-SCAN-1": [
        ("real_name", "김영희테스트"),
        ("other_name", "Kim Young-hee Test"),
        ("contact", "+82-10-5555-0199"),
    ],
    "W-SCAN-3": [("real_name", "최순자시험"), ("id_number", "680315-2049113")],
}
BY_WEB = {
    "W-SCAN-2": [
        ("real_name", "박철수시험"),
        ("address", "Hoeryong Test Street 77, Apt 1904"),
        ("family_location", "Onsong county, Namyang workers' district 3"),
    ],
}
SECRETS = [value for fields in [*BY_CLI.values(), *BY_WEB.values()] for _, value in fields]


def needles(text: str) -> list[bytes]:
    forms = {text, unicodedata.normalize("NFD", text)}
    found = []
    for form in forms:
        found += [
            form.encode("utf-8"),
            form.encode("utf-16-le"),
            form.encode("utf-16-be"),
            json.dumps(form)[1:-1].encode("ascii"),
            form.encode("utf-8").hex().encode("ascii"),
        ]
    return found


def hits_in(data: bytes, secrets: list[str]) -> list[str]:
    lowered = data.lower()
    return [s for s in secrets if any(n.lower() in lowered for n in needles(s))]


def scan_files(roots: list[Path], secrets: list[str]) -> dict[str, list[str]]:
    hits = {}
    seen = set()
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            found = hits_in(path.read_bytes(), secrets)
            if found:
                hits[str(path)] = found
    return hits


def scan_tables(secrets: list[str]) -> dict[str, list[str]]:
    """Every value of every row of every table, as the database gives it back."""
    hits: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - introspected names
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview | bytearray):
                        data = bytes(value)
                    else:
                        data = str(value).encode("utf-8")
                    found = hits_in(data, secrets)
                    if found:
                        hits.setdefault(table, []).extend(found)
    if connection.vendor == "postgresql":
        # Each row as PostgreSQL prints it (bytea as hex): what a dump of the table holds.
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT t::text FROM {quote(table)} t")  # noqa: S608
                for (text,) in cursor.fetchall():
                    found = hits_in(text.encode("utf-8"), secrets)
                    if found:
                        hits.setdefault(table + "::text", []).extend(found)
    return hits


def cli_add(pseudonym: str, field: str, value: str):
    result = run_sillok(
        "vault", "add", "--pseudonym", pseudonym, "--field", field, "--value-stdin",
        "--as", "vault_keeper", "--kind", "witness", input=value + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def test_the_scan_finds_a_planted_string(tmp_path):
    """The scanner itself: a string in any of the encodings is found (the test can fail)."""
    for i, encoding in enumerate(["utf-8", "utf-16-le", "utf-16-be"]):
        (tmp_path / f"f{i}").write_bytes(b"xx" + "김영희테스트".encode(encoding) + b"yy")
    (tmp_path / "json").write_text(json.dumps({"name": "김영희테스트"}))
    (tmp_path / "hex").write_text("\\x" + b"Kim Young-hee Test".hex())
    hits = scan_files([tmp_path], ["김영희테스트", "Kim Young-hee Test"])
    assert len(hits) == 5


def test_no_vault_string_appears_on_disk_in_the_database_or_in_logs(
    repo_home, vault_keeper, reauthenticated_client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "sillok"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # every SQL statement and its parameters is logged
    child_output = []
    try:
        for pseudonym, fields in BY_CLI.items():
            for field, value in fields:
                child_output.append(cli_add(pseudonym, field, value).stderr)
        # Shredded first: what follows is still in the -wal file when it is scanned.
        shredded = run_sillok(
            "vault", "shred", "W-SCAN-3", "--reason", "consent withdrawn", "--yes",
            "--as", "vault_keeper",
        )  # fmt: skip
        assert shredded.returncode == 0, shredded.stderr
        child_output.append(shredded.stdout + shredded.stderr)
        client = reauthenticated_client_for(vault_keeper)
        for pseudonym, fields in BY_WEB.items():
            for field, value in fields:
                response = client.post(
                    "/vault/add/",
                    {"pseudonym": pseudonym, "kind": "source", "field": field, "value": value},
                )
                assert response.status_code == 302

        # Reveal through both doors: the values really are there to be found.
        shown = run_sillok(
            "vault", "show", "W-SCAN-1", "--purpose", PURPOSE, "--as", "vault_keeper", "--json"
        )
        assert shown.returncode == 0, shown.stderr
        assert "김영희테스트" in shown.stdout and "+82-10-5555-0199" in shown.stdout
        child_output.append(shown.stderr)  # its stdout holds the values by design
        entry = services.find_entry("W-SCAN-2")
        page = client.post(f"/vault/{entry.pk}/reveal/", {"purpose": PURPOSE})
        assert "박철수시험" in page.text and "Apt 1904" in page.text
        terms = services.identity_terms_for_redaction(vault_keeper)
        assert {"김영희테스트", "Kim Young-hee Test", "박철수시험"} <= set(terms)

    finally:
        connection.force_debug_cursor = False

    secrets = SECRETS + [t for t in terms if len(t) >= 6]
    session_home = Path(settings.LOGGING["handlers"]["file"]["filename"]).parent.parent
    roots = [repo_home, session_home]
    if connection.vendor == "sqlite":
        db = Path(connection.settings_dict["NAME"])
        roots += [db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.parent]
        assert Path(f"{db}-wal").stat().st_size > 0  # scanned before the checkpoint too
    roots = [root for root in roots if root.exists()]
    logs = caplog.text + "".join(child_output)
    # The SQL log did record the vault's writes (with their parameters), so it was searched.
    assert "vault_vaultfield" in caplog.text

    assert scan_files(roots, secrets) == {}
    assert scan_tables(secrets) == {}
    assert hits_in(logs.encode("utf-8"), secrets) == []

    if connection.vendor == "sqlite":
        # Every page written back into the database file, then scanned again.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert cursor.fetchone()[0] == 0
        assert scan_files(roots, secrets) == {}
