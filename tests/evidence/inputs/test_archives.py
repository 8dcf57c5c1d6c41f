import os
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest

from sillok.evidence.inputs import ArchiveLimits, RejectedInput, expand_zip

from .builders import patch_headers, rename_raw, write_zip, zip_bytes

LIMITS = ArchiveLimits()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The destination, alone in its own parent so leftovers (staging folders) show."""
    parent = tmp_path / "work"
    parent.mkdir()
    return parent / "expanded"


def put(tmp_path: Path, data: bytes, name: str = "upload.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refuse(path: Path, dest: Path, limits: ArchiveLimits = LIMITS) -> RejectedInput:
    with pytest.raises(RejectedInput) as caught:
        expand_zip(path, dest, limits)
    # Nothing from a refused archive is left behind: no dest content, no staging folder.
    assert not dest.exists() or list(dest.iterdir()) == []
    assert [p for p in dest.parent.iterdir() if p != dest] == []
    return caught.value


def test_members_are_extracted_with_their_sizes(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {"a.txt": b"hello", "sub/b.txt": b"world!", "sub/": b""})
    members = expand_zip(path, out, LIMITS)
    assert [(m.path_in_archive, m.size) for m in members] == [("a.txt", 5), ("sub/b.txt", 6)]
    assert members[1].local_path == out / "sub" / "b.txt"
    assert members[1].local_path.read_bytes() == b"world!"
    assert [p.name for p in out.parent.iterdir()] == ["expanded"]


def test_an_existing_empty_destination_is_filled(tmp_path, out):
    out.mkdir()
    path = write_zip(tmp_path / "a.zip", {"a.txt": b"hello"})
    assert [m.local_path for m in expand_zip(path, out, LIMITS)] == [out / "a.txt"]


def test_a_destination_with_content_is_a_programming_error(tmp_path, out):
    out.mkdir()
    (out / "x").write_text("x")
    with pytest.raises(ValueError, match="empty destination"):
        expand_zip(write_zip(tmp_path / "a.zip", {"a.txt": b"a"}), out, LIMITS)


def test_korean_names_with_the_utf8_flag_round_trip(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {"보고서/증언_2019년.hwp": b"x", "사진.jpg": b"y"})
    members = expand_zip(path, out, LIMITS)
    assert [m.path_in_archive for m in members] == ["보고서/증언_2019년.hwp", "사진.jpg"]
    assert (out / "보고서" / "증언_2019년.hwp").read_bytes() == b"x"


def test_korean_names_from_windows_in_cp949_without_the_flag_are_decoded(tmp_path, out):
    raw = "보고서/증언.txt".encode("cp949")
    data = rename_raw(zip_bytes({"x" * len(raw): b"testimony"}), "x" * len(raw), raw)
    assert zipfile.ZipFile(put(tmp_path, data)).infolist()[0].flag_bits & 0x800 == 0
    members = expand_zip(put(tmp_path, data), out, LIMITS)
    assert [m.path_in_archive for m in members] == ["보고서/증언.txt"]
    assert (out / "보고서" / "증언.txt").read_bytes() == b"testimony"


def test_utf8_names_from_macos_without_the_flag_are_decoded_and_normalised(tmp_path, out):
    raw = unicodedata.normalize("NFD", "증언.txt").encode("utf-8")
    data = rename_raw(zip_bytes({"x" * len(raw): b"a"}), "x" * len(raw), raw)
    members = expand_zip(put(tmp_path, data), out, LIMITS)
    assert [m.path_in_archive for m in members] == ["증언.txt"]


def test_old_dos_names_fall_back_to_cp437(tmp_path, out):
    raw = "Résumé.txt".encode("cp437")  # not valid UTF-8 and not valid cp949
    data = rename_raw(zip_bytes({"x" * len(raw): b"a"}), "x" * len(raw), raw)
    assert [m.path_in_archive for m in expand_zip(put(tmp_path, data), out, LIMITS)] == [
        "Résumé.txt"
    ]


def test_windows_backslash_separators_become_folders(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {"docs\\a.txt": b"a"})
    assert [m.path_in_archive for m in expand_zip(path, out, LIMITS)] == ["docs/a.txt"]
    assert (out / "docs" / "a.txt").is_file()


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("../evil.txt", "zip_path_traversal", "'../evil.txt' escapes the archive"),
        ("a/../../evil.txt", "zip_path_traversal", "escapes the archive"),
        ("a/../b.txt", "zip_path_traversal", "contains a '..' component"),
        ("..\\..\\evil.txt", "zip_path_traversal", "escapes the archive"),
        ("/etc/passwd", "zip_absolute_path", "'/etc/passwd' has an absolute path"),
        ("C:\\x", "zip_absolute_path", "'C:\\x' has an absolute path"),
        ("c:/windows/x.dll", "zip_absolute_path", "has an absolute path"),
        ("\\\\server\\share\\x", "zip_absolute_path", "has an absolute path"),
        ("esc\x1b[2J.txt", "bad_filename", "zip member 'esc\\x1b[2J.txt'"),
        ("docs/invoice\u202efdp.exe", "bad_filename", "U+202E"),
    ],
)
def test_hostile_member_names_refuse_the_whole_archive(tmp_path, out, name, code, words):
    # A harmless member first: proves nothing is written before every name is checked.
    path = write_zip(tmp_path / "a.zip", {"fine.txt": b"ok", name: b"evil"})
    error = refuse(path, out)
    assert error.code == code
    assert words in error.message


def test_nul_byte_in_a_member_name_is_refused(tmp_path, out):
    data = rename_raw(zip_bytes({"good.txt": b"a", "evilXtxt": b"b"}), "evilXtxt", b"evil\0txt")
    error = refuse(put(tmp_path, data), out)
    assert error.code == "bad_filename"
    assert "zip member 'evil\\x00txt'" in error.message
    assert "NUL byte" in error.message


def test_symlink_members_are_refused(tmp_path, out):
    link = zipfile.ZipInfo("docs/passwd")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("docs/readme.txt", "hi")
        zf.writestr(link, "/etc/passwd")
    error = refuse(tmp_path / "a.zip", out)
    assert error.code == "zip_symlink"
    assert "'docs/passwd' is a symbolic link" in error.message


def test_encrypted_members_are_refused(tmp_path, out):
    data = patch_headers(zip_bytes({"secret.txt": b"abc"}), 0, flag_bits=0x1)
    error = refuse(put(tmp_path, data), out)
    assert error.code == "zip_encrypted"
    assert "'secret.txt' is encrypted" in error.message


def test_names_equal_after_normalisation_are_refused(tmp_path, out):
    nfc, nfd = "증언.txt", unicodedata.normalize("NFD", "증언.txt")
    error = refuse(write_zip(tmp_path / "a.zip", {nfc: b"one", nfd: b"two"}), out)
    assert error.code == "zip_duplicate_name"
    assert "have the same name" in error.message


def test_a_member_that_is_both_file_and_folder_is_refused(tmp_path, out):
    error = refuse(write_zip(tmp_path / "a.zip", {"a": b"file", "a/b.txt": b"x"}), out)
    assert error.code == "zip_duplicate_name"
    assert "'a' is both a file and a folder" in error.message


def test_too_many_members_are_refused(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {f"{i}.txt": b"x" for i in range(5)})
    error = refuse(path, out, ArchiveLimits(max_members=4))
    assert error.code == "zip_too_large"
    assert "'a.zip' has 5 members; the limit is 4" in error.message


def test_declared_sizes_over_the_limits_are_refused(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {"a.bin": b"a" * 3000, "b.bin": b"b" * 3000})
    error = refuse(path, out, ArchiveLimits(max_member_bytes=2000))
    assert error.code == "zip_too_large"
    assert "zip member 'a.bin' would expand to 3000 bytes; the limit is 2000" in error.message
    error = refuse(path, out, ArchiveLimits(max_total_bytes=5000))
    assert error.code == "zip_too_large"
    assert "would expand to 6000 bytes; the limit is 5000" in error.message


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """One member of 100 MB of zeros, deflated to about 100 KB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as f:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(100):
            f.write(chunk)
    return path


def test_zip_bomb_is_refused_before_anything_is_written(bomb, out):
    error = refuse(bomb, out, ArchiveLimits(max_total_bytes=10 * 1024 * 1024))
    assert error.code == "zip_bomb"
    assert "'zeros.bin' would expand from" in error.message
    assert "to 104857600 bytes" in error.message


def test_many_small_members_adding_up_to_a_bomb_are_refused(tmp_path, out):
    # Each member is below the ratio floor; together they expand a thousandfold.
    members = {f"{i}.bin": b"\0" * 512 * 1024 for i in range(8)}
    error = refuse(write_zip(tmp_path / "a.zip", members), out)
    assert error.code == "zip_bomb"
    assert "'a.zip' of" in error.message and "more than 200 times its size" in error.message


def test_small_highly_compressible_files_are_not_bombs(tmp_path, out):
    path = write_zip(tmp_path / "a.zip", {"blank.bmp": b"\0" * 100_000})
    assert [m.size for m in expand_zip(path, out, LIMITS)] == [100_000]


@pytest.mark.parametrize("forged_crc", [False, True])
def test_member_whose_header_understates_its_size_is_caught_by_counting(tmp_path, out, forged_crc):
    # 1 MiB of zeros that claims to be 1000 bytes: small and harmless by its header. With
    # a forged CRC (that of the first 1000 bytes) plain zipfile would hand back 1000 bytes.
    zeros = b"\0" * 1024 * 1024
    fields = {"file_size": 1000}
    if forged_crc:
        fields["crc"] = zlib.crc32(zeros[:1000])
    data = patch_headers(zip_bytes({"a.txt": b"ok", "liar.bin": zeros}), 1, **fields)
    info = zipfile.ZipFile(put(tmp_path, data)).getinfo("liar.bin")
    assert info.file_size == 1000
    error = refuse(put(tmp_path, data), out)
    assert error.code == "zip_bomb"
    assert "'liar.bin' produces more data than its header declares (1000 bytes)" in error.message


def test_member_whose_header_overstates_its_size_is_corrupt(tmp_path, out):
    data = patch_headers(zip_bytes({"short.txt": b"hello world"}), 0, file_size=20)
    error = refuse(put(tmp_path, data), out)
    assert error.code == "zip_corrupt"
    assert "'short.txt' ends after 11 of its declared 20 bytes" in error.message


def test_member_with_a_bad_crc_is_corrupt(tmp_path, out):
    data = bytearray(
        zip_bytes({"a.txt": b"first", "b.txt": b"evidence"}, compression=zipfile.ZIP_STORED)
    )
    data[data.index(b"evidence")] ^= 0x20  # the stored bytes change, the CRC does not
    error = refuse(put(tmp_path, bytes(data)), out)
    assert error.code == "zip_corrupt"
    assert "'b.txt' is damaged" in error.message
    assert "CRC" in error.message


def test_truncated_archive_is_corrupt(tmp_path, out):
    data = zip_bytes({"a.txt": b"a" * 1000, "b.txt": b"b" * 1000})
    error = refuse(put(tmp_path, data[: len(data) // 2], "half.zip"), out)
    assert error.code == "zip_corrupt"
    assert "'half.zip' is not a readable zip" in error.message


def test_member_with_different_local_and_central_names_is_corrupt(tmp_path, out):
    data = bytearray(zip_bytes({"report.txt": b"x"}))
    data[data.index(b"report.txt")] = ord("R")  # local header only: the first occurrence
    error = refuse(put(tmp_path, bytes(data)), out)
    assert error.code == "zip_corrupt"


@pytest.mark.parametrize(("method", "number"), [("Deflate64", 9), ("bzip2", 12)])
def test_unsupported_compression_methods_are_refused(tmp_path, out, method, number):
    if method == "bzip2":
        data = zip_bytes({"a.txt": b"abc"}, compression=zipfile.ZIP_BZIP2)
    else:
        data = bytearray(zip_bytes({"a.txt": b"abc"}))
        for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
            data[data.index(signature) + offset] = number
    error = refuse(put(tmp_path, bytes(data)), out)
    assert error.code == "zip_unsupported"
    assert f"'a.txt' uses compression method {number}, which is not supported" in error.message


def test_lzma_members_are_expanded(tmp_path, out):
    path = tmp_path / "a.zip"
    path.write_bytes(zip_bytes({"a.txt": b"abc" * 1000}, compression=zipfile.ZIP_LZMA))
    assert [m.size for m in expand_zip(path, out, LIMITS)] == [3000]


def test_members_larger_than_one_read_chunk_come_out_whole(tmp_path, out):
    data = os.urandom(2 * 1024 * 1024 + 12345)  # incompressible: passes the ratio check
    path = write_zip(tmp_path / "a.zip", {"video.mp4": data, "small.txt": b"x"})
    members = expand_zip(path, out, LIMITS)
    assert [m.size for m in members] == [1, len(data)]
    assert (out / "video.mp4").read_bytes() == data
