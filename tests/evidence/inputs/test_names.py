import os
import unicodedata

import pytest

from sillok.evidence.inputs import RejectedInput, check_filename


@pytest.mark.parametrize(
    "name",
    ["증언_2019년.hwp", "report.pdf", "Ω résumé (final) v2.docx", "사진 001.JPG", ".hidden", "a b"],
)
def test_ordinary_names_in_any_script_are_kept(name):
    assert check_filename(name) == name


def test_decomposed_korean_from_macos_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "증언.txt")
    assert nfd != "증언.txt"
    assert check_filename(nfd) == "증언.txt"


def test_utf8_bytes_are_decoded():
    assert check_filename("보고서.pdf".encode()) == "보고서.pdf"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "is empty"),
        (".", "is not a file name"),
        ("..", "is not a file name"),
        ("   ", "only of spaces"),
        ("a/b.txt", "path separator"),
        ("a\\b.txt", "path separator"),
        ("evil\x00.txt", "NUL byte"),
        ("term\x1b[31m.txt", "control character '\\x1b'"),
        ("line\nbreak.txt", "control character '\\x0a'"),
        ("c1\x85.txt", "control character '\\x85'"),
        ("invoice\u202efdp.exe", "U+202E"),
        ("isolate\u2066x.pdf", "U+2066"),
        ("가" * 86 + ".t", "bytes long in UTF-8; the limit is 255"),
    ],
)
def test_dangerous_names_are_refused_with_the_reason(name, words):
    with pytest.raises(RejectedInput) as caught:
        check_filename(name)
    assert caught.value.code == "bad_filename"
    assert words in caught.value.message


def test_a_name_of_exactly_255_utf8_bytes_is_allowed():
    name = "가" * 85  # 255 bytes
    assert check_filename(name) == name


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(RejectedInput) as caught:
        check_filename("증언.txt".encode("cp949"))
    assert caught.value.code == "bad_filename"
    assert "not valid UTF-8" in caught.value.message


def test_surrogate_escaped_names_from_fsdecode_are_refused_without_crashing():
    name = os.fsdecode(b"scan\xff\xfe.pdf")
    with pytest.raises(RejectedInput) as caught:
        check_filename(name)
    assert caught.value.code == "bad_filename"
    assert "scan\\xff\\xfe.pdf" in caught.value.message
    caught.value.message.encode("utf-8")  # the message itself is always printable text


def test_messages_never_contain_the_raw_control_characters():
    with pytest.raises(RejectedInput) as caught:
        check_filename("a\x1b\u202eb")
    assert "\x1b" not in caught.value.message
    assert "\u202e" not in caught.value.message
