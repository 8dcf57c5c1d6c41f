"""Expanding a user's zip archive without letting the archive decide anything.

A zip is instructions written by someone else: where to write, how much, and what kind of
thing to create. ``expand_zip`` therefore validates every member before writing a byte, and
distrusts the header sizes while writing:

1. Names. Each member name is decoded (below), backslashes are treated as separators (old
   Windows tools and PowerShell 5 write ``dir\\file``; a literal backslash in a Unix name
   merely becomes a folder), and then refused if absolute (``/etc/passwd``, ``C:\\x``,
   ``//server``), if any component is ``..`` (even ``a/../b``: no legitimate archiver writes
   it), or if any component fails ``check_filename`` (NUL, control and bidi characters).
   Two members that land on the same path after NFC normalisation, or a file that is also
   a folder, are refused: one would silently overwrite the other. Case is not folded: the
   server's file system is case-sensitive, and "Report.pdf" next to "report.pdf" is legal.
2. Kind. Symbolic-link members (Unix mode ``S_IFLNK`` in ``external_attr``) and encrypted
   members are refused; we only ever create regular files and folders. Only stored,
   deflate and LZMA members are expanded: Deflate64 and PPMd are not in ``zipfile``, and
   bzip2 is, but without an output bound per read (see ``SUPPORTED_METHODS``).
3. Size. Member count, declared sizes and the expansion ratio (per member and for the whole
   archive) are checked against ``ArchiveLimits`` up front. The ratio is only judged above
   ``ratio_floor_bytes``: a small file of zeros legitimately compresses a thousandfold, and
   a bomb needs volume to hurt.
4. Writing. Members are streamed in chunks into a fresh staging folder next to ``dest``,
   counting the bytes actually produced. ``zipfile`` silently stops at the size the central
   directory declares, so we open each member with that size raised by one: an archive
   whose header lies about its size then shows more bytes than it declared and is refused
   as ``zip_bomb`` rather than being cut off. Only when every member is out does the staging
   folder become ``dest``; on any refusal it is removed, so ``dest`` never holds part of a
   rejected archive.

Name decoding. Members with the UTF-8 flag (bit 11) are UTF-8. Otherwise, if the archiver
wrote an Info-ZIP Unicode Path field (0x7075) whose CRC matches the raw name, that name is
used (``zipfile`` does this). Otherwise the raw bytes are tried as strict UTF-8, then strict
cp949, then cp437. UTF-8 comes first because macOS's Archive Utility writes UTF-8 names
without setting the flag, and cp949 Hangul is almost never valid UTF-8 (most Hangul lead
bytes are UTF-8 continuation bytes), while UTF-8 Hangul is often valid cp949 and would
come out as mojibake. cp949 is next because Korean Windows (Explorer, 7-Zip, Bandizip
defaults) writes names in the ANSI code page without the flag; cp437 is what the zip
specification says and what the remaining old tools meant.

Nested archives are not expanded here: ``walk_inputs`` decides that with ``max_depth``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import RejectedInput
from .names import check_filename, shown

CHUNK = 1024 * 1024
READ_AHEAD_SLACK = 64 * 1024
MAX_PATH_BYTES = 1024
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
# Not bzip2: zipfile decompresses a bzip2 member without an output bound, and 4 KiB of
# bzip2 can expand to gigabytes in one call before any counting can stop it.
SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA}
DRIVE_LETTER = re.compile(r"[A-Za-z]:")
READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, ValueError, NotImplementedError)


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 10_000
    max_total_bytes: int = 20 * 1024**3
    max_member_bytes: int = 20 * 1024**3
    max_ratio: float = 200.0  # uncompressed / compressed, per member and for the archive
    max_depth: int = 0  # nested zips are ingested as files, not expanded
    ratio_floor_bytes: int = 1024 * 1024  # expansions smaller than this are not judged by ratio


@dataclass(frozen=True)
class ExpandedMember:
    path_in_archive: str  # NFC, '/'-separated
    local_path: Path
    size: int


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    path: str  # validated, NFC, '/'-joined
    shown: str  # the name as found, quoted and escaped for messages
    is_dir: bool


def expand_zip(path: Path, dest: Path, limits: ArchiveLimits) -> list[ExpandedMember]:
    """Expand the zip at ``path`` into ``dest`` (absent or empty), or refuse it whole."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValueError(f"expand_zip needs an empty destination, not {dest}")
    label = shown(path.name)
    try:
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        raise RejectedInput("unreadable", f"{label} cannot be read: {exc.strerror}") from None
    except NotImplementedError as exc:
        raise RejectedInput("zip_unsupported", f"{label} needs {exc} support") from None
    except (zipfile.BadZipFile, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise RejectedInput("zip_corrupt", f"{label} is not a readable zip: {exc}") from None
    with archive:
        members = _plan_members(archive, label, path.stat().st_size, limits)
        staging = Path(tempfile.mkdtemp(prefix=".expanding-", dir=dest.parent))
        try:
            expanded = _extract_all(archive, members, staging, limits)
            os.replace(staging, dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [
        ExpandedMember(m.path_in_archive, dest / m.local_path.relative_to(staging), m.size)
        for m in sorted(expanded, key=lambda m: m.path_in_archive)
    ]


def _plan_members(
    archive: zipfile.ZipFile, label: str, archive_size: int, limits: ArchiveLimits
) -> list[_Member]:
    """Validate every member of ``archive`` before anything is written."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise RejectedInput(
            "zip_too_large",
            f"{label} has {len(infos)} members; the limit is {limits.max_members}",
        )
    members = [_validate_member(info, limits) for info in infos]
    _refuse_collisions(members)
    total = sum(m.info.file_size for m in members if not m.is_dir)
    if total > limits.max_total_bytes:
        raise RejectedInput(
            "zip_too_large",
            f"{label} would expand to {total} bytes; the limit is {limits.max_total_bytes}",
        )
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(archive_size, 1):
        raise RejectedInput(
            "zip_bomb",
            f"{label} of {archive_size} bytes would expand to {total} bytes, more than "
            f"{limits.max_ratio:g} times its size",
        )
    return members


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name decoded as described in the module docstring, NFC-normalised."""
    if info.flag_bits & UTF8_FLAG:
        name = info.orig_filename
    else:
        raw = info.orig_filename.encode("cp437")  # zipfile decoded as cp437: undo exactly
        if b"\x00" not in raw and info.filename != info.orig_filename:
            name = info.filename  # from a Unicode Path extra field with a matching CRC
        else:
            name = _decode_legacy(raw)
    return unicodedata.normalize("NFC", name)


def _decode_legacy(raw: bytes) -> str:
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp437")


def _validate_member(info: zipfile.ZipInfo, limits: ArchiveLimits) -> _Member:
    name = member_name(info)
    label = f"zip member {shown(name)}"
    path, is_dir = _safe_path(name, label)
    if info.flag_bits & ENCRYPTED_FLAG:
        raise RejectedInput("zip_encrypted", f"{label} is encrypted; remove the password first")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise RejectedInput("zip_symlink", f"{label} is a symbolic link")
    if info.compress_type not in SUPPORTED_METHODS:
        raise RejectedInput(
            "zip_unsupported",
            f"{label} uses compression method {info.compress_type}, which is not supported; "
            "re-create the archive with standard (deflate) compression",
        )
    size, packed = info.file_size, info.compress_size
    if not is_dir and size > limits.max_member_bytes:
        raise RejectedInput(
            "zip_too_large",
            f"{label} would expand to {size} bytes; the limit is {limits.max_member_bytes}",
        )
    if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(packed, 1):
        raise RejectedInput(
            "zip_bomb",
            f"{label} would expand from {packed} to {size} bytes, more than "
            f"{limits.max_ratio:g} times",
        )
    return _Member(info, path, shown(name), is_dir)


def _safe_path(name: str, label: str) -> tuple[str, bool]:
    posix = name.replace("\\", "/")
    if posix.startswith("/") or DRIVE_LETTER.match(posix):
        raise RejectedInput("zip_absolute_path", f"{label} has an absolute path")
    is_dir = posix.endswith("/")
    parts = [p for p in posix.split("/") if p not in ("", ".")]
    if ".." in parts:
        depth, escapes = 0, False
        for part in parts:
            depth += -1 if part == ".." else 1
            escapes = escapes or depth < 0
        problem = "escapes the archive" if escapes else "contains a '..' component"
        raise RejectedInput("zip_path_traversal", f"{label} {problem}")
    if not parts:
        if is_dir:
            return "", True
        raise RejectedInput("bad_filename", f"{label} has no file name")
    try:
        parts = [check_filename(part) for part in parts]
    except RejectedInput as exc:
        raise RejectedInput("bad_filename", f"{label}: {exc.message}") from None
    path = "/".join(parts)
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise RejectedInput("bad_filename", f"{label} is longer than {MAX_PATH_BYTES} bytes")
    return path, is_dir


def _refuse_collisions(members: list[_Member]) -> None:
    files: dict[str, _Member] = {}
    folders: set[str] = set()
    for m in members:
        if m.is_dir:
            folders.add(m.path)
            continue
        if m.path in files:
            raise RejectedInput(
                "zip_duplicate_name",
                f"zip members {files[m.path].shown} and {m.shown} have the same name",
            )
        files[m.path] = m
        parts = m.path.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
    clashes = sorted(folders & files.keys())
    if clashes:
        raise RejectedInput(
            "zip_duplicate_name",
            f"zip member {files[clashes[0]].shown} is both a file and a folder",
        )


def _extract_all(
    archive: zipfile.ZipFile, members: list[_Member], staging: Path, limits: ArchiveLimits
) -> list[ExpandedMember]:
    expanded: list[ExpandedMember] = []
    total = 0
    for m in members:
        if m.is_dir:
            continue
        target = staging.joinpath(*m.path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        size = _extract_one(archive, m, target, limits.max_total_bytes - total)
        total += size
        expanded.append(ExpandedMember(m.path, target, size))
    return expanded


def _extract_one(archive: zipfile.ZipFile, m: _Member, target: Path, budget: int) -> int:
    declared = m.info.file_size
    # zipfile stops at the declared size and then fails on the CRC, hiding a lying header.
    # Raising the size it trusts past what we will ask for (plus its 4 KiB read-ahead) lets
    # the real stream run on, and we stop reading one byte past the declared size.
    probe = copy.copy(m.info)
    probe.file_size = declared + READ_AHEAD_SLACK
    written = 0
    try:
        with archive.open(probe) as source, open(target, "xb") as out:
            while chunk := source.read(min(CHUNK, declared + 1 - written)):
                written += len(chunk)
                if written > declared or written > budget:
                    raise RejectedInput(
                        "zip_bomb",
                        f"zip member {m.shown} produces more data than its header declares "
                        f"({declared} bytes)",
                    )
                out.write(chunk)
    except READ_ERRORS as exc:
        raise RejectedInput("zip_corrupt", f"zip member {m.shown} is damaged: {exc}") from None
    if written != declared:
        raise RejectedInput(
            "zip_corrupt",
            f"zip member {m.shown} ends after {written} of its declared {declared} bytes",
        )
    return written
