"""Every change to a documentation record: create, edit, restore, review, withdraw, import.

Each runs in one transaction that also writes the record's next version (the whole record,
who, when, why) and its audit entry; a failed change leaves neither. Edits name the revision
they were made against, so two people editing at once cannot overwrite each other.

Review: draft → in review (assigned to a reviewer other than the author; the record is
locked) → reviewed (by that reviewer) or back to draft (returned, with a comment). Editing a
reviewed record needs a reason and sends it back to draft: what was reviewed is no longer
what it says.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sillok.core.bulk import insert_instances, insert_rows, reserve_ids
from sillok.custody.audit import AuditSpec, lock_head, record_audit, record_audit_batch
from sillok.custody.models import AuditEntry
from sillok.records.access import RecordActionRefused, check_can_change, check_can_review
from sillok.records.corroboration_store import refresh_after_change
from sillok.records.history import restorable_values, snapshot, version_for
from sillok.records.kinds import get_kind, kind_of
from sillok.records.links import check_link
from sillok.records.models import RecordVersion, ReviewStatus, VersionAction
from sillok.records.names import rebuild_person_names, romanizations_for
from sillok.records.version_audit import version_digest, versions_digest

MAX_REASON = 2000


class StaleRevision(RecordActionRefused):
    """The record changed since the user loaded it."""


def _split_m2m(model: type[models.Model], values: dict[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in values.items() if k not in m2m_names}
    return plain, {k: v for k, v in values.items() if k in m2m_names}


def _write_version(
    user: Any, record: models.Model, action: str, *, reason: str = "", fields: list[str] = ()
) -> RecordVersion:
    kind = kind_of(record).name
    state = snapshot(record)
    actor = user if user and user.pk else None
    digest = version_digest(
        kind=kind,
        record_id=record.pk,
        number=record.revision,
        action=action,
        snapshot=state,
        reason=reason,
        actor_id=actor.pk if actor else None,
    )
    entry = record_audit(
        user,
        f"record.{action}",
        object_type=f"records.{kind}",
        object_id=record.pk,
        details={
            "revision": record.revision,
            "fields": sorted(fields),
            # Lets `sillok verify` prove the version row unchanged (version_audit.py).
            "versions_sha256": versions_digest([(record.pk, record.revision, digest)]),
        },
    )
    return RecordVersion.objects.create(
        kind=kind,
        record_id=record.pk,
        number=record.revision,
        action=action,
        snapshot=state,
        reason=reason,
        actor=actor,
        created_at=entry.created_at,
        audit_seq=entry.seq,
    )


def _prepare(kind: str, record: models.Model) -> None:
    """Derived values computed from what users wrote."""
    if kind == "person":
        record.romanizations = romanizations_for(record.name_hangul)


def _after_save(kind: str, record: models.Model) -> None:
    if kind == "person":
        rebuild_person_names([record])
    # The stored corroboration of the acts and events this record counts for.
    refresh_after_change(kind, [record])


def do_create_record(
    user: Any, kind: str, values: dict[str, Any], *, reason: str = ""
) -> models.Model:
    """Create a record from cleaned values (records/fields.py clean_values)."""
    check_can_change(user)
    record_kind = get_kind(kind)
    plain, m2m = _split_m2m(record_kind.model, values)
    if record_kind.name == "link":
        check_link(plain)
    with transaction.atomic():
        record = record_kind.model(**plain, created_by=user, updated_at=timezone.now())
        _prepare(record_kind.name, record)
        record.save()
        for name, ids in m2m.items():
            getattr(record, name).set(ids)
        _after_save(record_kind.name, record)
        _write_version(user, record, VersionAction.CREATED, reason=reason, fields=list(values))
    return record


def _lock(record: models.Model) -> models.Model:
    # Two editors or a reviewer and an editor racing: the second waits and then sees the
    # revision the first one wrote.
    return type(record).objects.select_for_update().get(pk=record.pk)


def _check_revision(locked: models.Model, expected_revision: int | None) -> None:
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(
            f"this record was changed by someone else (revision {locked.revision}, you edited "
            f"revision {expected_revision}); reload it and make your change again"
        )


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise RecordActionRefused(f"the reason is longer than {MAX_REASON} characters")
    return reason


def do_update_record(
    user: Any,
    record: models.Model,
    values: dict[str, Any],
    *,
    expected_revision: int | None,
    reason: str = "",
    action: str = VersionAction.EDITED,
) -> models.Model:
    """Change some fields of a record. Refused while it is in review; a reviewed record
    needs a reason and goes back to draft."""
    check_can_change(user)
    kind = kind_of(record).name
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(record)
        _check_revision(locked, expected_revision)
        if locked.withdrawn_at is not None:
            raise RecordActionRefused("this record is withdrawn; reinstate it before editing")
        if locked.review_status == ReviewStatus.IN_REVIEW:
            raise RecordActionRefused(
                "this record is locked while in review; the reviewer must finish or return it"
            )
        if locked.review_status == ReviewStatus.REVIEWED and not reason:
            raise RecordActionRefused("this record was reviewed: give a reason for the change")
        plain, m2m = _split_m2m(type(locked), values)
        before = snapshot(locked)
        for name, value in plain.items():
            setattr(locked, name, value)
        if kind == "link":
            check_link(
                {
                    f: getattr(locked, f)
                    for f in ("from_kind", "from_id", "to_kind", "to_id", "relation")
                },
                exclude_pk=locked.pk,
            )
        for name, ids in m2m.items():
            getattr(locked, name).set(ids)
        _prepare(kind, locked)
        after = snapshot(locked)
        changed = [k for k in after if after[k] != before.get(k)]
        if not changed:
            return locked
        if locked.review_status == ReviewStatus.REVIEWED:
            locked.review_status = ReviewStatus.DRAFT
            locked.reviewer = None
        locked.revision += 1
        locked.updated_at = timezone.now()
        locked.save()
        _after_save(kind, locked)
        _write_version(user, locked, action, reason=reason, fields=changed)
    return locked


def do_restore_version(
    user: Any,
    record: models.Model,
    number: int,
    *,
    expected_revision: int | None,
    reason: str = "",
) -> models.Model:
    """Make the record what version `number` recorded; itself a new version."""
    # The same rule as the history pages: a version recorded at a sensitivity the user is not
    # cleared for does not exist for them (restoring it would reveal it).
    old = version_for(user, record, number)
    if old is None:
        raise RecordActionRefused(f"this record has no version {number}")
    values = restorable_values(record, old.snapshot)
    note = f"restored version {number}" + (f": {reason.strip()}" if reason.strip() else "")
    return do_update_record(
        user,
        record,
        values,
        expected_revision=expected_revision,
        reason=note,
        action=VersionAction.RESTORED,
    )


def _transition(
    user: Any,
    record: models.Model,
    action: str,
    *,
    expected_revision: int | None,
    reason: str,
    change: Any,
) -> models.Model:
    with transaction.atomic():
        locked = _lock(record)
        _check_revision(locked, expected_revision)
        if locked.withdrawn_at is not None and action != VersionAction.REINSTATED:
            raise RecordActionRefused("this record is withdrawn")
        change(locked)
        locked.revision += 1
        locked.updated_at = timezone.now()
        locked.save()
        if action in (VersionAction.WITHDRAWN, VersionAction.REINSTATED):
            # A withdrawn record no longer counts towards corroboration; reinstated, again.
            refresh_after_change(kind_of(locked).name, [locked])
        _write_version(
            user,
            locked,
            action,
            reason=reason,
            fields=["review_status", "reviewer", "withdrawn_at"],
        )
    return locked


def do_submit_for_review(
    user: Any,
    record: models.Model,
    reviewer: Any,
    *,
    expected_revision: int | None = None,
    comment: str = "",
) -> models.Model:
    """Send a draft for peer review by `reviewer`, who must not be its author."""
    check_can_change(user)
    if reviewer is None or not reviewer.is_active or not reviewer.has_perm("records.review_record"):
        raise RecordActionRefused("the reviewer must be an active user who may review records")
    if reviewer.pk in {record.created_by_id, user.pk}:
        raise RecordActionRefused(
            "peer review: the reviewer must be someone other than the author and the sender"
        )
    from sillok.records.access import visible_records

    if not visible_records(reviewer, kind_of(record)).filter(pk=record.pk).exists():
        raise RecordActionRefused("the reviewer is not cleared to see this record")

    def change(locked: models.Model) -> None:
        if locked.review_status != ReviewStatus.DRAFT:
            raise RecordActionRefused(
                f"only a draft can be sent for review; this one is {locked.review_status}"
            )
        locked.review_status, locked.reviewer = ReviewStatus.IN_REVIEW, reviewer

    return _transition(
        user,
        record,
        VersionAction.SUBMITTED,
        expected_revision=expected_revision,
        reason=_clean_reason(comment),
        change=change,
    )


def _check_reviewer(user: Any, locked: models.Model) -> None:
    check_can_review(user)
    if locked.review_status != ReviewStatus.IN_REVIEW:
        raise RecordActionRefused("this record is not in review")
    if locked.reviewer_id != user.pk:
        raise RecordActionRefused("only the assigned reviewer can finish this review")
    if locked.created_by_id == user.pk:
        raise RecordActionRefused("the author cannot review their own record")


def do_complete_review(
    user: Any, record: models.Model, *, expected_revision: int | None = None, comment: str = ""
) -> models.Model:
    def change(locked: models.Model) -> None:
        _check_reviewer(user, locked)
        locked.review_status = ReviewStatus.REVIEWED

    return _transition(
        user,
        record,
        VersionAction.REVIEWED,
        expected_revision=expected_revision,
        reason=_clean_reason(comment),
        change=change,
    )


def do_return_for_changes(
    user: Any, record: models.Model, *, comment: str, expected_revision: int | None = None
) -> models.Model:
    comment = _clean_reason(comment)
    if not comment:
        raise RecordActionRefused("say what needs to change")

    def change(locked: models.Model) -> None:
        _check_reviewer(user, locked)
        locked.review_status, locked.reviewer = ReviewStatus.DRAFT, None

    return _transition(
        user,
        record,
        VersionAction.RETURNED,
        expected_revision=expected_revision,
        reason=comment,
        change=change,
    )


def do_withdraw_record(
    user: Any, record: models.Model, *, reason: str, expected_revision: int | None = None
) -> models.Model:
    """Take a record out of use (never deleted): hidden from lists, kept with its history."""
    check_can_change(user)
    reason = _clean_reason(reason)
    if not reason:
        raise RecordActionRefused("say why the record is withdrawn")

    def change(locked: models.Model) -> None:
        if locked.review_status == ReviewStatus.IN_REVIEW:
            raise RecordActionRefused("this record is locked while in review")
        locked.withdrawn_at, locked.withdrawn_reason = timezone.now(), reason

    return _transition(
        user,
        record,
        VersionAction.WITHDRAWN,
        expected_revision=expected_revision,
        reason=reason,
        change=change,
    )


def do_reinstate_record(
    user: Any, record: models.Model, *, reason: str = "", expected_revision: int | None = None
) -> models.Model:
    check_can_change(user)

    def change(locked: models.Model) -> None:
        if locked.withdrawn_at is None:
            raise RecordActionRefused("this record is not withdrawn")
        locked.withdrawn_at, locked.withdrawn_reason = None, ""

    return _transition(
        user,
        record,
        VersionAction.REINSTATED,
        expected_revision=expected_revision,
        reason=_clean_reason(reason),
        change=change,
    )


class ImportedBefore(RecordActionRefused):
    """The file was imported before as records of the same kind, and the import was not
    confirmed: `earlier` holds the audit entries of those imports, oldest first."""

    def __init__(self, earlier: list[AuditEntry]) -> None:
        last = earlier[-1]
        super().__init__(
            f"this file was already imported on {last.created_at:%Y-%m-%d %H:%M} by "
            f"{last.actor_name or 'the system'}"
        )
        self.earlier = earlier


def earlier_imports(kind: str, sha256: str, sheet: str = "") -> list[AuditEntry]:
    """The audit entries of earlier imports of the file with this SHA-256 as records of
    `kind` (of a workbook: from the same sheet), oldest first. The audit log is the record of
    imports, so files imported before this check existed are found too."""
    if not sha256:
        return []
    entries = AuditEntry.objects.filter(
        action="record.imported",
        object_type=f"records.{get_kind(kind).name}",
        details__sha256=sha256,
    ).order_by("seq")
    # Entries written before sheets were recorded name none: they match any sheet.
    return [entry for entry in entries if entry.details.get("sheet", sheet) == sheet]


def _check_first_import(kind: str, source: dict[str, Any], *, again: bool) -> list[AuditEntry]:
    """The earlier imports of the file; ImportedBefore when there are some and `again` is not
    set. Inside the import's transaction, under the audit lock: two imports of one file at
    once (a double submit, a retry while the first still runs) both passed the caller's
    check, and the lock, which the transaction takes for its entry anyway, makes the second
    wait and then see the first one's entry."""
    lock_head()
    earlier = earlier_imports(kind, source.get("sha256", ""), source.get("sheet", ""))
    if earlier and not again:
        raise ImportedBefore(earlier)
    return earlier


def do_import_records(
    user: Any,
    kind: str,
    rows: list[dict[str, Any]],
    *,
    source: dict[str, Any],
    again: bool = False,
) -> list[models.Model]:
    """Create many records from cleaned values in one transaction (all or nothing), set-based:
    one insert per table, one audit entry for the import and a first version per record.
    `source` describes the file (name, sha256, row count; sheet of a workbook) for the audit
    entry. A file imported before as the same kind is refused (ImportedBefore) unless `again`:
    a retry after a crash must not create every record a second time."""
    check_can_change(user)
    if not user.has_perm("records.import_records"):
        raise RecordActionRefused("importing needs the import_records permission")
    record_kind = get_kind(kind)
    model = record_kind.model
    now = timezone.now()
    with transaction.atomic():
        records, m2m_values = [], []
        for values in rows:
            plain, m2m = _split_m2m(model, values)
            if record_kind.name == "link":
                check_link(plain)
            record = model(**plain, created_by=user, created_at=now, updated_at=now)
            _prepare(record_kind.name, record)
            records.append(record)
            m2m_values.append(m2m)
        # Ids drawn first and rows written with executemany: the ORM's bulk_create spends
        # more time building SQL than the database spends storing the rows.
        for record, pk in zip(records, reserve_ids(model, len(records)), strict=True):
            record.pk = pk
        insert_instances(model, records)
        if any(m2m_values):
            _bulk_set_m2m(model, records, m2m_values)
        _after_bulk_create(record_kind.name, records)
        earlier = _check_first_import(record_kind.name, source, again=again)
        reason = f"imported from {source.get('name', 'a file')}"
        snapshots = [snapshot(r) for r in records]
        digests = [
            (
                r.pk,
                1,
                version_digest(
                    kind=record_kind.name,
                    record_id=r.pk,
                    number=1,
                    action=VersionAction.IMPORTED,
                    snapshot=state,
                    reason=reason,
                    actor_id=user.pk,
                ),
            )
            for r, state in zip(records, snapshots, strict=True)
        ]
        details = {
            **source,
            "created": len(records),
            "first_id": records[0].pk if records else None,
            "last_id": records[-1].pk if records else None,
            # Lets `sillok verify` prove the version rows unchanged (version_audit.py).
            "versions_sha256": versions_digest(digests),
        }
        if earlier:
            details["imported_before"] = [entry.seq for entry in earlier]
        entry = record_audit_batch(
            [
                AuditSpec(
                    user,
                    "record.imported",
                    object_type=f"records.{record_kind.name}",
                    object_id="",
                    details=details,
                )
            ]
        )[0]
        insert_rows(
            RecordVersion,
            (
                "kind",
                "record_id",
                "number",
                "action",
                "snapshot",
                "reason",
                "actor",
                "created_at",
                "audit_seq",
            ),
            (
                (
                    record_kind.name,
                    r.pk,
                    1,
                    VersionAction.IMPORTED,
                    state,
                    reason,
                    user.pk,
                    entry.created_at,
                    entry.seq,
                )
                for r, state in zip(records, snapshots, strict=True)
            ),
        )
    return records


def _bulk_set_m2m(model: type[models.Model], records: list, m2m_values: list[dict]) -> None:
    for field in model._meta.many_to_many:
        through = getattr(model, field.name).through
        source_column = field.m2m_field_name() + "_id"
        target_column = field.m2m_reverse_field_name() + "_id"
        through.objects.bulk_create(
            [
                through(**{source_column: record.pk, target_column: target})
                for record, values in zip(records, m2m_values, strict=True)
                for target in values.get(field.name, [])
            ],
            batch_size=1000,
        )


def _after_bulk_create(kind: str, records: list) -> None:
    if kind == "person":
        rebuild_person_names(records, fresh=True)
    refresh_after_change(kind, records)
