"""BagIt bags (RFC 8493): a folder that brings its own fixity, accepted whole or not at all.

Partners send bags precisely so that the receiver can prove nothing changed in transit. So a
bag is validated completely (every manifest, every checksum, ``fast=False``) before any of
its files is offered for intake, and one bad file refuses the whole bag: half a bag is not
the evidence the sender packed.

Validation is bagit's own, with one reordering. bagit checks ``Payload-Oxum`` (total bytes
and file count) before anything else, and when it fails all it can say is "expected 3 files,
found 4". The person fixing the bag needs the file's name, so we first validate with the
Oxum set aside (structure, completeness, every checksum: bagit then names each missing,
extra or altered file) and check the Oxum promise afterwards.

Before bagit reads anything we walk the bag ourselves without following links: a symbolic
link inside a bag would make bagit hash (and us ingest) a file outside it, and a named pipe
would hang the hashing. Payload paths must also be clean names (``check_filename``) under
``data/``; a bag is refused over one bad name for the same all-or-nothing reason.

``contact`` is ``Contact-Name`` with ``<Contact-Email>`` appended when both are given.
Field labels are matched case-insensitively, as RFC 8493 section 2.2.2 allows senders to vary
their case.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import bagit

from .errors import RejectedInput
from .names import check_filename, shown

MAX_NAMED_PROBLEMS = 20


@dataclass(frozen=True)
class BagPayload:
    path_in_bag: str  # "data/…", NFC, '/'-separated
    local_path: Path
    sha256: str | None  # from the bag's sha256 manifest, lower-case hex
    size: int


@dataclass(frozen=True)
class BagInfo:
    root: Path
    source_organization: str
    contact: str
    external_identifier: str
    bagging_date: str
    info: dict[str, list[str]]  # every bag-info.txt field, values in file order
    algorithms: list[str]
    payload: list[BagPayload]


def is_bag(path: Path) -> bool:
    """A real (not linked) directory with a ``bagit.txt`` file in it."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode) and (path / "bagit.txt").is_file()
    except OSError:
        return False


def open_bag(path: Path) -> BagInfo:
    """Validate the bag at ``path`` completely and describe it, or refuse it whole."""
    label = f"bag {shown(path.name)}"
    if not is_bag(path):
        raise RejectedInput("bag_invalid", f"{label} has no bagit.txt")
    _refuse_special_files(path, label)
    if not (path / "data").is_dir():
        raise RejectedInput("bag_invalid", f"{label} has no data/ folder")
    try:
        bag = bagit.Bag(str(path))
        oxum = bag.info.pop("Payload-Oxum", None)
        bag.validate(processes=1, fast=False)
        if oxum is not None:
            bag.info["Payload-Oxum"] = oxum
            bag.validate(processes=1, fast=True)
    except bagit.BagValidationError as exc:
        if exc.details:
            raise RejectedInput("bag_manifest_mismatch", _mismatch_message(label, exc)) from None
        raise RejectedInput("bag_invalid", f"{label} is not valid: {exc.message}") from None
    except (bagit.BagError, UnicodeError, ValueError, OSError) as exc:
        raise RejectedInput("bag_invalid", f"{label} is not valid: {exc}") from None
    info = {key: value if isinstance(value, list) else [value] for key, value in bag.info.items()}
    return BagInfo(
        root=path,
        source_organization=_field(info, "Source-Organization"),
        contact=_contact(info),
        external_identifier=_field(info, "External-Identifier"),
        bagging_date=_field(info, "Bagging-Date"),
        info=info,
        algorithms=list(bag.algorithms),
        payload=_payload(bag, path, label),
    )


def _refuse_special_files(root: Path, label: str) -> None:
    def unreadable(exc: OSError) -> None:
        raise RejectedInput("bag_invalid", f"{label} has a folder that cannot be read: {exc}")

    for folder, dirnames, filenames in os.walk(root, onerror=unreadable):
        for name in sorted(dirnames + filenames):
            full = os.path.join(folder, name)
            mode = os.lstat(full).st_mode
            inside = shown(os.path.relpath(full, root))
            if stat.S_ISLNK(mode):
                raise RejectedInput("bag_invalid", f"{label} contains a symbolic link {inside}")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise RejectedInput(
                    "bag_invalid", f"{label} contains {inside}, which is not a regular file"
                )


def _mismatch_message(label: str, exc: bagit.BagValidationError) -> str:
    problems = []
    for detail in exc.details:
        name = shown(str(detail.path).replace(os.sep, "/"))
        if isinstance(detail, bagit.ChecksumMismatch):
            problems.append(f"{name} does not match its {detail.algorithm} checksum")
        elif isinstance(detail, bagit.FileMissing):
            problems.append(f"{name} is in the manifest but missing")
        elif isinstance(detail, bagit.UnexpectedFile):
            problems.append(f"{name} is in the bag but not in its manifest")
        else:
            problems.append(str(detail))
    problems = sorted(set(problems))
    if len(problems) > MAX_NAMED_PROBLEMS:
        rest = len(problems) - MAX_NAMED_PROBLEMS
        problems = [*problems[:MAX_NAMED_PROBLEMS], f"and {rest} more"]
    return f"{label} failed validation: " + "; ".join(problems)


def _payload(bag: bagit.Bag, root: Path, label: str) -> list[BagPayload]:
    data_dir = os.path.realpath(root / "data")
    payload = []
    for rel_path, hashes in bag.payload_entries().items():
        on_disk = bag.normalized_filesystem_names.get(
            unicodedata.normalize("NFC", rel_path), rel_path
        )
        parts = unicodedata.normalize("NFC", rel_path).replace(os.sep, "/").split("/")
        try:
            parts = [parts[0], *(check_filename(part) for part in parts[1:])]
        except RejectedInput as exc:
            raise RejectedInput("bad_filename", f"{label}: {exc.message}") from None
        local = root / on_disk
        real = os.path.realpath(local)
        if parts[0] != "data" or ".." in parts or not real.startswith(data_dir + os.sep):
            raise RejectedInput("bag_invalid", f"{label} lists {shown(rel_path)} outside data/")
        sha256 = hashes.get("sha256")
        payload.append(
            BagPayload(
                "/".join(parts), local, sha256.lower() if sha256 else None, local.stat().st_size
            )
        )
    return sorted(payload, key=lambda p: p.path_in_bag)


def _field(info: dict[str, list[str]], label: str) -> str:
    for key, values in info.items():
        if key.lower() == label.lower() and values:
            return values[0].strip()
    return ""


def _contact(info: dict[str, list[str]]) -> str:
    name, email = _field(info, "Contact-Name"), _field(info, "Contact-Email")
    if name and email:
        return f"{name} <{email}>"
    return name or email
