import hashlib
import os
import shutil
from pathlib import Path

import bagit
import pytest

from sillok.evidence.inputs import RejectedInput, is_bag, open_bag

INFO = {
    "Source-Organization": "북한인권정보센터",
    "Contact-Name": "Kim Min-ji",
    "Contact-Email": "minji@example.org",
    "External-Identifier": "NKDB-2019-0042",
    "Bagging-Date": "2019-05-01",
    "Keywords": ["testimony", "detention"],
}


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    root = tmp_path / "증언 묶음"
    (root / "사진").mkdir(parents=True)
    (root / "증언_2019년.txt").write_text("요덕 수용소 증언\n", encoding="utf-8")
    (root / "사진" / "a.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    bagit.make_bag(str(root), dict(INFO), checksums=["sha256", "sha512"])
    return root


def refuse(path: Path) -> RejectedInput:
    with pytest.raises(RejectedInput) as caught:
        open_bag(path)
    return caught.value


def test_a_valid_bag_is_described_with_its_payload_and_checksums(bag):
    info = open_bag(bag)
    assert info.root == bag
    assert info.source_organization == "북한인권정보센터"
    assert info.contact == "Kim Min-ji <minji@example.org>"
    assert info.external_identifier == "NKDB-2019-0042"
    assert info.bagging_date == "2019-05-01"
    assert info.info["Keywords"] == ["testimony", "detention"]
    assert sorted(info.algorithms) == ["sha256", "sha512"]
    assert [p.path_in_bag for p in info.payload] == ["data/사진/a.jpg", "data/증언_2019년.txt"]
    text = info.payload[1]
    assert text.local_path == bag / "data" / "증언_2019년.txt"
    assert text.size == len("요덕 수용소 증언\n".encode())
    assert text.sha256 == hashlib.sha256(text.local_path.read_bytes()).hexdigest()


def test_is_bag_needs_a_real_folder_with_bagit_txt(bag, tmp_path):
    assert is_bag(bag)
    assert not is_bag(bag / "data")
    assert not is_bag(bag / "bagit.txt")
    link = tmp_path / "link"
    link.symlink_to(bag)
    assert not is_bag(link)


def test_a_bag_without_a_sha256_manifest_has_no_declared_sha256(tmp_path):
    root = tmp_path / "md5bag"
    root.mkdir()
    (root / "a.txt").write_text("a")
    bagit.make_bag(str(root), checksums=["md5"])
    assert [p.sha256 for p in open_bag(root).payload] == [None]


def test_an_altered_payload_byte_is_a_mismatch_naming_the_file(bag):
    path = bag / "data" / "증언_2019년.txt"
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01  # same size: only the checksums can tell
    path.write_bytes(bytes(data))
    error = refuse(bag)
    assert error.code == "bag_manifest_mismatch"
    assert "'data/증언_2019년.txt' does not match its sha256 checksum" in error.message
    assert "사진" not in error.message


def test_an_extra_file_is_a_mismatch_naming_the_file(bag):
    (bag / "data" / "planted.exe").write_bytes(b"MZ")
    error = refuse(bag)
    assert error.code == "bag_manifest_mismatch"
    assert "'data/planted.exe' is in the bag but not in its manifest" in error.message


def test_a_missing_file_is_a_mismatch_naming_the_file(bag):
    (bag / "data" / "사진" / "a.jpg").unlink()
    error = refuse(bag)
    assert error.code == "bag_manifest_mismatch"
    assert "'data/사진/a.jpg' is in the manifest but missing" in error.message


def test_an_edited_bag_info_fails_the_tag_manifest(bag):
    with open(bag / "bag-info.txt", "a", encoding="utf-8") as f:
        f.write("Internal-Sender-Description: added later\n")
    error = refuse(bag)
    assert error.code == "bag_manifest_mismatch"
    assert "'bag-info.txt' does not match" in error.message


def test_a_wrong_payload_oxum_is_invalid(bag):
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    oxum = next(line for line in info.splitlines() if line.startswith("Payload-Oxum"))
    (bag / "bag-info.txt").write_text(info.replace(oxum, "Payload-Oxum: 1.1"), encoding="utf-8")
    for manifest in bag.glob("tagmanifest-*.txt"):
        manifest.unlink()  # so that only the Oxum is wrong
    error = refuse(bag)
    assert error.code == "bag_invalid"
    assert "Payload-Oxum" in error.message


def test_a_symlink_inside_the_bag_is_refused_before_anything_is_read(bag, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("server secret")
    os.symlink(secret, bag / "data" / "innocent.txt")
    error = refuse(bag)
    assert error.code == "bag_invalid"
    assert "contains a symbolic link 'data/innocent.txt'" in error.message


def test_a_named_pipe_inside_the_bag_is_refused(bag):
    os.mkfifo(bag / "data" / "pipe")
    error = refuse(bag)
    assert error.code == "bag_invalid"
    assert "'data/pipe', which is not a regular file" in error.message


def test_a_manifest_path_outside_the_bag_is_invalid(bag):
    manifest = bag / "manifest-sha256.txt"
    with open(manifest, "a", encoding="utf-8") as f:
        f.write(f"{'0' * 64}  data/../../outside.txt\n")
    error = refuse(bag)
    assert error.code == "bag_invalid"
    assert "unsafe" in error.message


def test_a_bag_without_data_folder_is_invalid(bag):
    shutil.rmtree(bag / "data")
    error = refuse(bag)
    assert error.code == "bag_invalid"
    assert "has no data/ folder" in error.message


def test_a_folder_without_bagit_txt_is_not_a_bag(tmp_path):
    error = refuse(tmp_path)
    assert error.code == "bag_invalid"
    assert "has no bagit.txt" in error.message


def test_a_payload_file_with_a_bad_name_refuses_the_whole_bag(tmp_path):
    root = tmp_path / "bag"
    root.mkdir()
    (root / "good.txt").write_text("good")
    (root / "bad\x1b.txt").write_text("bad")
    bagit.make_bag(str(root), checksums=["sha256"])
    error = refuse(root)
    assert error.code == "bad_filename"
    assert "'bad\\x1b.txt'" in error.message
