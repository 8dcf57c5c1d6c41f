import os
import shutil
import zipfile
from pathlib import Path

import bagit
import pytest

from sillok.evidence.inputs import ArchiveLimits, Candidate, Rejection, walk_inputs

from .builders import image_bytes, ooxml_bytes, package_bytes, pdf_bytes, write_zip, zip_bytes

LIMITS = ArchiveLimits()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def walk(*paths: Path, workdir: Path, limits: ArchiveLimits = LIMITS) -> list:
    return list(walk_inputs(list(paths), workdir, limits))


def summary(items: list) -> list[tuple[str, str]]:
    """(display path, origin or rejection code) for each item, in order."""
    return [
        (i.display_path, i.origin if isinstance(i, Candidate) else f"rejected:{i.code}")
        for i in items
    ]


def test_a_single_file_is_one_candidate_as_typed(tmp_path, workdir):
    path = tmp_path / "증언_2019년.hwp"
    path.write_bytes(b"testimony")
    [item] = walk(path, workdir=workdir)
    assert item == Candidate(str(path), path, "증언_2019년.hwp", "file", None, None)


def test_a_missing_path_is_not_found(tmp_path, workdir):
    [item] = walk(tmp_path / "nope.pdf", workdir=workdir)
    assert isinstance(item, Rejection)
    assert item.code == "not_found"
    assert "nope.pdf' does not exist" in item.message


def test_folders_are_walked_recursively_in_a_deterministic_order(tmp_path, workdir):
    root = tmp_path / "자료"
    for rel in ["z.txt", "b/2.txt", "a.txt", "b/1.txt", "가/x.txt", "B.txt", "b/c/0.txt"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    first = summary(walk(root, workdir=workdir))
    assert first == [
        (f"{root}/{rel}", "folder")
        for rel in ["B.txt", "a.txt", "b/1.txt", "b/2.txt", "b/c/0.txt", "z.txt", "가/x.txt"]
    ]
    assert summary(walk(root, workdir=workdir)) == first


def test_paths_are_walked_in_the_order_given(tmp_path, workdir):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(name)
    items = walk(tmp_path / "b.txt", tmp_path / "a.txt", workdir=workdir)
    assert [i.filename for i in items] == ["b.txt", "a.txt"]


def test_symlinks_in_a_folder_are_rejected_and_not_followed(tmp_path, workdir):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("server secret")
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "real.txt").write_text("real")
    (root / "file-link.txt").symlink_to(outside / "secret.txt")
    (root / "dir-link").symlink_to(outside)
    items = walk(root, workdir=workdir)
    assert summary(items) == [
        (f"{root}/dir-link", "rejected:symlink"),
        (f"{root}/file-link.txt", "rejected:symlink"),
        (f"{root}/real.txt", "folder"),
    ]
    assert "is a symbolic link" in items[0].message
    assert all("secret" not in i.display_path for i in items)


def test_a_symlink_given_directly_is_rejected(tmp_path, workdir):
    (tmp_path / "real.pdf").write_bytes(pdf_bytes())
    (tmp_path / "link.pdf").symlink_to(tmp_path / "real.pdf")
    assert summary(walk(tmp_path / "link.pdf", workdir=workdir)) == [
        (str(tmp_path / "link.pdf"), "rejected:symlink")
    ]


def test_a_bad_file_name_rejects_that_file_only(tmp_path, workdir):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "good.txt").write_text("good")
    (root / "bad\x1b[31m.txt").write_text("bad")
    (root / os.fsdecode(b"latin1-\xe9.txt")).write_text("not utf-8")
    items = walk(root, workdir=workdir)
    assert [(type(i).__name__, getattr(i, "code", "")) for i in items] == [
        ("Rejection", "bad_filename"),
        ("Candidate", ""),
        ("Rejection", "bad_filename"),
    ]
    assert items[2].display_path == f"{root}/latin1-\\xe9.txt"
    for item in items:
        item.display_path.encode("utf-8")  # always storable text


def test_a_named_pipe_is_unreadable(tmp_path, workdir):
    os.mkfifo(tmp_path / "pipe")
    [item] = walk(tmp_path / "pipe", workdir=workdir)
    assert item.code == "unreadable"
    assert "pipe' is not a regular file or folder" in item.message


def test_an_unreadable_file_is_rejected(tmp_path, workdir, monkeypatch):
    archive = tmp_path / "locked.zip"
    archive.write_bytes(zip_bytes({"a.txt": b"a"}))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)  # tests run as root: chmod would not do
    [item] = walk(archive, workdir=workdir)
    assert item.code == "unreadable"
    assert "Permission denied" in item.message


def test_operating_system_litter_is_reported_not_ingested(tmp_path, workdir):
    root = tmp_path / "usb"
    (root / "$RECYCLE.BIN").mkdir(parents=True)
    (root / "$RECYCLE.BIN" / "x.txt").write_text("deleted")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "._photo.jpg").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00")
    (root / "photo.jpg").write_bytes(image_bytes("JPEG"))
    assert summary(walk(root, workdir=workdir)) == [
        (f"{root}/$RECYCLE.BIN", "rejected:system_file"),
        (f"{root}/.DS_Store", "rejected:system_file"),
        (f"{root}/._photo.jpg", "rejected:system_file"),
        (f"{root}/photo.jpg", "folder"),
    ]


def test_a_zip_is_expanded_into_workdir_with_archive_paths(tmp_path, workdir):
    archive = write_zip(tmp_path / "docs.zip", {"보고서/a.pdf": pdf_bytes(), "b.txt": b"b"})
    items = walk(archive, workdir=workdir)
    assert summary(items) == [(f"{archive}!/b.txt", "zip"), (f"{archive}!/보고서/a.pdf", "zip")]
    assert items[1].filename == "a.pdf"
    assert items[1].local_path.is_relative_to(workdir)
    assert items[1].local_path.read_bytes() == pdf_bytes()


def test_zips_are_recognised_by_content_not_extension(tmp_path, workdir):
    disguised = tmp_path / "backup.dat"
    disguised.write_bytes(zip_bytes({"a.txt": b"a"}))
    named_zip = tmp_path / "not-a-zip.zip"
    named_zip.write_text("just text")
    assert summary(walk(disguised, named_zip, workdir=workdir)) == [
        (f"{disguised}!/a.txt", "zip"),
        (str(named_zip), "file"),
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.docx", ooxml_bytes("word/document.xml")),
        ("report.hwpx", package_bytes("application/hwp+zip", {"Contents/section0.xml": b"x"})),
        ("book.epub", package_bytes("application/epub+zip", {"META-INF/container.xml": b"x"})),
        ("tool.jar", zip_bytes({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"})),
    ],
)
def test_zip_based_documents_are_files_not_archives(tmp_path, workdir, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    assert summary(walk(path, workdir=workdir)) == [(str(path), "file")]
    assert list(workdir.iterdir()) == []


def test_a_rejected_zip_is_one_rejection_and_leaves_nothing_in_workdir(tmp_path, workdir):
    archive = write_zip(tmp_path / "evil.zip", {"ok.txt": b"ok", "../../etc/passwd": b"x"})
    items = walk(archive, workdir=workdir)
    assert summary(items) == [(str(archive), "rejected:zip_path_traversal")]
    assert "'../../etc/passwd' escapes the archive" in items[0].message
    assert list(workdir.iterdir()) == []


def test_a_zip_inside_a_folder_is_expanded(tmp_path, workdir):
    root = tmp_path / "folder"
    root.mkdir()
    write_zip(root / "inner.zip", {"x.txt": b"x"})
    (root / "y.txt").write_text("y")
    assert summary(walk(root, workdir=workdir)) == [
        (f"{root}/inner.zip!/x.txt", "zip"),
        (f"{root}/y.txt", "folder"),
    ]


def test_nested_zips_are_files_unless_the_depth_allows_more(tmp_path, workdir):
    archive = write_zip(
        tmp_path / "outer.zip", {"inner.zip": zip_bytes({"deep.txt": b"d"}), "a.txt": b"a"}
    )
    assert summary(walk(archive, workdir=workdir)) == [
        (f"{archive}!/a.txt", "zip"),
        (f"{archive}!/inner.zip", "zip"),
    ]
    deeper = ArchiveLimits(max_depth=1)
    assert summary(walk(archive, workdir=workdir, limits=deeper)) == [
        (f"{archive}!/a.txt", "zip"),
        (f"{archive}!/inner.zip!/deep.txt", "zip"),
    ]


def test_macos_resource_forks_in_a_zip_are_reported_once(tmp_path, workdir):
    archive = write_zip(
        tmp_path / "mac.zip",
        {"a.txt": b"a", "__MACOSX/._a.txt": b"\x00\x05\x16\x07", "__MACOSX/._b.txt": b"x"},
    )
    assert summary(walk(archive, workdir=workdir)) == [
        (f"{archive}!/__MACOSX", "rejected:system_file"),
        (f"{archive}!/a.txt", "zip"),
    ]


def make_bag(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "sub" / "b.txt").write_text("b")
    bagit.make_bag(str(root), {"Source-Organization": "TJWG"}, checksums=["sha256"])
    return root


def test_a_bag_folder_yields_its_payload_with_declared_checksums(tmp_path, workdir):
    parent = tmp_path / "inbox"
    bag = make_bag(parent / "bag1")
    (parent / "loose.txt").write_text("loose")
    items = walk(parent, workdir=workdir)
    assert summary(items) == [
        (f"{bag}/data/a.txt", "bag"),
        (f"{bag}/data/sub/b.txt", "bag"),
        (f"{parent}/loose.txt", "folder"),
    ]
    assert items[0].bag.source_organization == "TJWG"
    assert items[1].filename == "b.txt"
    assert items[1].declared_sha256 and len(items[1].declared_sha256) == 64


def test_a_bag_that_fails_validation_is_one_rejection_and_no_candidates(tmp_path, workdir):
    bag = make_bag(tmp_path / "bag")
    (bag / "data" / "sub" / "b.txt").write_text("B")
    items = walk(bag, workdir=workdir)
    assert summary(items) == [(str(bag), "rejected:bag_manifest_mismatch")]
    assert "'data/sub/b.txt' does not match its sha256 checksum" in items[0].message


def test_a_zipped_bag_is_treated_as_that_bag(tmp_path, workdir):
    bag = make_bag(tmp_path / "mybag")
    archive = Path(shutil.make_archive(str(tmp_path / "transfer"), "zip", tmp_path, "mybag"))
    shutil.rmtree(bag)
    items = walk(archive, workdir=workdir)
    assert summary(items) == [
        (f"{archive}!/mybag/data/a.txt", "bag"),
        (f"{archive}!/mybag/data/sub/b.txt", "bag"),
    ]
    assert items[0].local_path.is_relative_to(workdir)


def test_a_bag_zipped_on_a_mac_is_still_that_bag(tmp_path, workdir):
    bag = make_bag(tmp_path / "mybag")
    archive = tmp_path / "transfer.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(bag.rglob("*")):
            zf.write(path, path.relative_to(tmp_path).as_posix())
        zf.writestr("__MACOSX/mybag/._bagit.txt", b"\x00\x05\x16\x07")
    assert summary(walk(archive, workdir=workdir)) == [
        (f"{archive}!/__MACOSX", "rejected:system_file"),
        (f"{archive}!/mybag/data/a.txt", "bag"),
        (f"{archive}!/mybag/data/sub/b.txt", "bag"),
    ]


def test_a_zipped_bag_with_a_tampered_file_is_one_rejection(tmp_path, workdir):
    bag = make_bag(tmp_path / "mybag")
    (bag / "data" / "a.txt").write_text("tampered")
    archive = tmp_path / "transfer.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(bag.rglob("*")):
            zf.write(path, path.relative_to(tmp_path).as_posix())
    items = walk(archive, workdir=workdir)
    assert summary(items) == [(f"{archive}!/mybag", "rejected:bag_manifest_mismatch")]
    assert list(workdir.iterdir()) == []
