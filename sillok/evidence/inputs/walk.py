"""From what the user pointed at to a deterministic stream of candidate files.

``walk_inputs`` is the single place that decides what a path *means*: a file is one
candidate, a folder is its files in sorted order (so the same folder always gives the same
intake batch, and reruns are comparable), a folder with ``bagit.txt`` is a bag, a plain zip
archive is its members. It yields ``Rejection``\\ s in the same stream rather than raising, so
one bad file in a folder of five hundred costs that file only and the user sees every
problem at once.

Decisions worth knowing:

* Symbolic links are never followed, anywhere, including the path the user typed: a link in
  an evidence folder can point at the server's own files, and "what was uploaded" must be
  what was in the folder. Parent components of a typed path are the user's business.
* Archives are recognised by content (``detect_media_type`` says ``application/zip``), never
  by extension, and only *plain* zips are expanded: DOCX, HWPX, ODF, EPUB and JAR are zips
  too but are documents and go in as files. A zip whose only content is a BagIt bag (how
  bags usually travel) is treated as that bag. A zip inside a zip is a file unless
  ``limits.max_depth`` allows more; each archive is bounded by ``limits`` on its own. Zips
  inside a bag's payload are never expanded: the bag's checksums are for the zip.
* A rejected archive or bag is one ``Rejection`` and contributes nothing; its expansion
  folder is removed from ``workdir``.
* A folder whose name fails ``check_filename`` is rejected as one item and not descended:
  every path below it would carry the bad name.
* Operating-system litter (``.DS_Store``, ``Thumbs.db``, AppleDouble ``._*`` files and
  ``__MACOSX/`` folders from Mac zips, ``$RECYCLE.BIN`` on USB sticks) is reported as
  ``system_file`` instead of being ingested as evidence, and instead of vanishing silently.
* ``display_path`` is always valid UTF-8 text (undecodable bytes become ``\\xNN``), so it
  can be stored and shown even when the name itself is refused.

Contents are not judged here (size, type, corruption): the intake service calls
``detect_media_type`` and ``check_content`` on each candidate with its own limits.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .archives import ArchiveLimits, expand_zip
from .bags import BagInfo, is_bag, open_bag
from .errors import RejectedInput
from .media import ZIP_MAGICS, detect_media_type, read_head
from .names import check_filename, shown

SYSTEM_FILES = {
    ".DS_Store": "macOS Finder settings",
    "Thumbs.db": "Windows thumbnail cache",
    "ehthumbs.db": "Windows thumbnail cache",
    "desktop.ini": "Windows folder settings",
    "Icon\r": "macOS folder icon",
}
SYSTEM_FOLDERS = {
    "__MACOSX": "macOS resource forks added by Archive Utility",
    ".Spotlight-V100": "macOS search index",
    ".fseventsd": "macOS file-system log",
    ".Trashes": "macOS trash",
    "$RECYCLE.BIN": "Windows recycle bin",
    "System Volume Information": "Windows volume data",
}
APPLEDOUBLE_MAGIC = b"\x00\x05\x16\x07"


@dataclass(frozen=True)
class Candidate:
    display_path: str  # what the user typed, or e.g. "docs.zip!/보고서/a.pdf"
    local_path: Path
    filename: str  # checked and NFC-normalised
    origin: str  # "file" | "folder" | "zip" | "bag"
    bag: BagInfo | None
    declared_sha256: str | None  # from a bag's sha256 manifest: compare after copying


@dataclass(frozen=True)
class Rejection:
    display_path: str
    code: str
    message: str


Item = Candidate | Rejection


def walk_inputs(
    paths: Sequence[Path], workdir: Path, limits: ArchiveLimits
) -> Iterator[Candidate | Rejection]:
    """Candidates and rejections for ``paths``, in the given order; archives expand in
    ``workdir``, which the caller owns and cleans up."""
    walker = _Walker(workdir, limits)
    for path in paths:
        yield from walker.path(Path(path), _text(os.fspath(path)))


def _text(name: str) -> str:
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


class _Walker:
    def __init__(self, workdir: Path, limits: ArchiveLimits) -> None:
        self.workdir = workdir
        self.limits = limits

    def path(self, path: Path, display: str) -> Iterator[Item]:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            yield Rejection(display, "not_found", f"{shown(display)} does not exist")
            return
        except OSError as exc:
            yield _unreadable(display, exc)
            return
        name = path.name or display  # "." and "/" have no name; they are folders
        if stat.S_ISLNK(mode):
            yield _symlink(display, path)
        elif stat.S_ISDIR(mode):
            yield from self.folder_or_bag(path, display, name, check_name=bool(path.name))
        elif stat.S_ISREG(mode):
            yield from self.file(path, display, name, "file", depth=0)
        else:
            yield _not_regular(display)

    def folder_or_bag(
        self, path: Path, display: str, name: str, *, check_name: bool = True
    ) -> Iterator[Item]:
        if check_name:
            rejection = _name_rejection(display, name) or _system_folder(display, name)
            if rejection:
                yield rejection
                return
        if is_bag(path):
            yield from self.bag(path, display)
        else:
            yield from self.folder(path, display)

    def folder(self, folder: Path, display: str) -> Iterator[Item]:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: unicodedata.normalize("NFC", e.name))
        except OSError as exc:
            yield _unreadable(display, exc)
            return
        for entry in entries:
            child = f"{display.rstrip('/')}/{_text(entry.name)}"
            try:  # only the stat is the user's business; a full disk while expanding is not
                kind = _kind(entry)
            except OSError as exc:
                yield _unreadable(child, exc)
                continue
            if kind == "symlink":
                yield _symlink(child, Path(entry.path))
            elif kind == "folder":
                yield from self.folder_or_bag(Path(entry.path), child, entry.name)
            elif kind == "file":
                yield from self.file(Path(entry.path), child, entry.name, "folder", depth=0)
            else:
                yield _not_regular(child)

    def file(self, path: Path, display: str, name: str, origin: str, depth: int) -> Iterator[Item]:
        rejection = _system_file(display, name, path) or _name_rejection(display, name)
        if rejection:
            yield rejection
            return
        try:
            is_archive = (
                depth <= self.limits.max_depth
                and read_head(path, len(ZIP_MAGICS[0])).startswith(ZIP_MAGICS)
                and detect_media_type(path) == "application/zip"
            )
        except RejectedInput as exc:
            yield Rejection(display, exc.code, exc.message)
            return
        if is_archive:
            yield from self.archive(path, display, depth)
        else:
            yield Candidate(display, path, check_filename(name), origin, None, None)

    def archive(self, path: Path, display: str, depth: int) -> Iterator[Item]:
        dest = Path(tempfile.mkdtemp(prefix="zip-", dir=self.workdir))
        try:
            members = expand_zip(path, dest, self.limits)
        except RejectedInput as exc:
            shutil.rmtree(dest, ignore_errors=True)
            yield Rejection(display, exc.code, exc.message)
            return
        litter = sorted(
            {m.path_in_archive.split("/", 1)[0] for m in members} & SYSTEM_FOLDERS.keys()
        )
        for top in litter:  # one report per folder, not one per AppleDouble file in it
            yield Rejection(*_system_folder_reason(f"{display}!/{top}", top))
        bag_root = _bag_inside(dest)
        if bag_root is not None:
            inner = bag_root.relative_to(dest).as_posix()
            bag_display = f"{display}!/{inner}" if inner != "." else f"{display}!"
            yield from self.bag(bag_root, bag_display, expanded_in=dest)
            return
        for m in members:
            if m.path_in_archive.split("/", 1)[0] in litter:
                continue
            name = m.path_in_archive.rsplit("/", 1)[-1]
            member_display = f"{display}!/{m.path_in_archive}"
            yield from self.file(m.local_path, member_display, name, "zip", depth + 1)

    def bag(self, root: Path, display: str, expanded_in: Path | None = None) -> Iterator[Item]:
        try:
            info = open_bag(root)
        except RejectedInput as exc:
            if expanded_in is not None:  # a refused zipped bag leaves nothing in workdir
                shutil.rmtree(expanded_in, ignore_errors=True)
            yield Rejection(display, exc.code, exc.message)
            return
        for p in info.payload:
            filename = p.path_in_bag.rsplit("/", 1)[-1]
            yield Candidate(
                f"{display}/{p.path_in_bag}", p.local_path, filename, "bag", info, p.sha256
            )


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "other"


def _bag_inside(dest: Path) -> Path | None:
    if is_bag(dest):
        return dest
    children = [c for c in dest.iterdir() if c.name not in SYSTEM_FOLDERS]
    if len(children) == 1 and is_bag(children[0]):
        return children[0]
    return None


def _name_rejection(display: str, name: str) -> Rejection | None:
    try:
        check_filename(name)
    except RejectedInput as exc:
        return Rejection(display, exc.code, exc.message)
    return None


def _system_file(display: str, name: str, path: Path) -> Rejection | None:
    what = SYSTEM_FILES.get(name)
    if what is None and name.startswith("._"):
        try:
            if read_head(path, len(APPLEDOUBLE_MAGIC)) == APPLEDOUBLE_MAGIC:
                what = "macOS AppleDouble metadata"
        except RejectedInput:
            return None  # the unreadable file is reported by the caller
    if what is None:
        return None
    return Rejection(
        display, "system_file", f"{shown(name)} is {what}, not a document; it was skipped"
    )


def _system_folder(display: str, name: str) -> Rejection | None:
    if name not in SYSTEM_FOLDERS:
        return None
    return Rejection(*_system_folder_reason(display, name))


def _system_folder_reason(display: str, name: str) -> tuple[str, str, str]:
    what = SYSTEM_FOLDERS[name]
    return display, "system_file", f"{shown(name)} holds {what}, not documents; it was skipped"


def _symlink(display: str, path: Path) -> Rejection:
    try:
        target = f" (to {shown(_text(os.readlink(path)))})"
    except OSError:
        target = ""
    return Rejection(
        display,
        "symlink",
        f"{shown(display)} is a symbolic link{target}; links are not followed, "
        "give the file or folder itself",
    )


def _unreadable(display: str, exc: OSError) -> Rejection:
    return Rejection(
        display, "unreadable", f"{shown(display)} cannot be read: {exc.strerror or exc}"
    )


def _not_regular(display: str) -> Rejection:
    return Rejection(display, "unreadable", f"{shown(display)} is not a regular file or folder")
