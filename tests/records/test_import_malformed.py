"""Damaged CSV files are refused, never imported as garbage (issue 13, item 7): a quotation
mark left open, bytes that are not text in an accepted encoding, NUL bytes, cells beyond the
header. Each problem names its row (and, for encodings, the byte and line), and nothing is
imported. Korean files in UTF-8, UTF-8 with a byte order mark, UTF-16 and CP949 still import."""

from __future__ import annotations

import codecs

import pytest

from sillok.records.importing import import_file
from sillok.records.models import Person

pytestmark = pytest.mark.django_db


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def only_error(report):
    assert report.imported == 0 and Person.objects.count() == 0, report.errors
    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    assert "\n" not in error.message  # one line, for the CLI's report
    return error


def test_a_quote_left_open_that_joins_two_rows_is_an_error_of_its_row(
    analyst, tmp_path, vocabularies
):
    # Row 2's name opens a quote that row 3 closes: one "person" named over two lines, and
    # row 3 gone. Valid CSV, but no name holds a line break.
    content = (
        'name,sex,birth_year\n"Kim Chol-su,male,1968\nRi Yong-hui",female,1975\n'
        "Pak Myong-nam,male,1980\n"
    )
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content.encode()))
    error = only_error(report)
    assert (error.row, error.column) == (2, "name")
    assert "line break" in error.message and "quotation mark" in error.message
    assert report.valid == 1  # Pak's row is fine; the file still imports nothing


def test_a_line_break_in_a_long_text_cell_is_kept(analyst, tmp_path, vocabularies):
    content = 'name,notes,aliases\nKim,"first line\nsecond line","Chol\n철이"\n'
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content.encode()))
    assert report.errors == [] and report.imported == 1
    kim = Person.objects.get()
    assert kim.notes == "first line\nsecond line" and kim.aliases == ["Chol", "철이"]


def test_a_quote_never_closed_before_the_end_of_the_file_is_an_error(
    analyst, tmp_path, vocabularies
):
    content = 'name,notes\nKim,fine\nRi,"he said\nPak,more\nChoe,the end\n'
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content.encode()))
    error = only_error(report)
    assert error.row == 3 and "line 3" in error.message and "never closed" in error.message


def test_a_stray_quote_after_a_quoted_cell_is_an_error(analyst, tmp_path, vocabularies):
    content = 'name,sex\nKim,male\n"Ri" Yong-hui,female\n'
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content.encode()))
    error = only_error(report)
    assert error.row == 3 and "line 3" in error.message and "quotation mark" in error.message


def test_invalid_utf8_is_refused_with_its_row_byte_and_line(analyst, tmp_path, vocabularies):
    # Was imported as the name "ÿþÃ( Person": the file decoded with a guessed encoding.
    content = b"name,sex\nKim,male\n\xff\xfe\xc3\x28 Person,male\n"
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content))
    error = only_error(report)
    assert error.row == 3 and error.column == ""
    assert "offset 18 " in error.message and "line 3" in error.message
    assert "UTF-8" in error.message and "UTF-16" in error.message


def test_text_in_a_western_encoding_is_refused_not_guessed(analyst, tmp_path, vocabularies):
    content = "name,notes\nJosé Ramos,café owner\n".encode("cp1252")
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content))
    error = only_error(report)
    assert error.row == 2 and "offset 14 " in error.message and "line 2" in error.message


def test_invalid_utf8_after_a_byte_order_mark_is_refused(analyst, tmp_path, vocabularies):
    content = codecs.BOM_UTF8 + "name\n김철수\n".encode() + b"\xc3\x28\n"
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content))
    error = only_error(report)
    assert error.row == 3 and "offset 18 " in error.message and "line 3" in error.message


def test_broken_cp949_is_refused_where_it_breaks(analyst, tmp_path, vocabularies):
    content = "name,name_hangul\nKim,김철수\n".encode("cp949") + b"Ri,\xb0\x20\n"
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content))
    error = only_error(report)
    assert error.row == 3 and "line 3" in error.message and "not valid CP949" in error.message


@pytest.mark.parametrize(
    "content",
    [
        codecs.BOM_UTF8 + b"name,aliases\nKim,Chol\x00\n",
        b"name,sex\nKim,male\n" + b"x,male\n" * 40_000 + b"Ri\x00,female\n",
        "name,sex\nKim\x00,male\n".encode("utf-16"),
    ],
    ids=["after a BOM", "after the sample", "in UTF-16"],
)
def test_a_nul_byte_anywhere_is_refused_with_its_row(analyst, tmp_path, vocabularies, content):
    path = write(tmp_path, "p.csv", content)
    report = import_file(analyst, "persons", path)
    error = only_error(report)
    assert "NUL" in error.message and error.row in (2, 40_003)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp949"])
def test_korean_files_in_every_accepted_encoding_import(analyst, tmp_path, vocabularies, encoding):
    text = "이름,한글 이름,성별\nKim Chol-su,김철수,male\nRi Yong-hui,리영희,female\n"
    content = text.encode(encoding)
    if encoding == "utf-16-be":
        content = codecs.BOM_UTF16_BE + content
    report = import_file(
        analyst,
        "persons",
        write(tmp_path, "명단.csv", content),
        mapping={"이름": "name", "한글 이름": "name_hangul", "성별": "sex"},
    )
    assert report.errors == [] and report.imported == 2
    assert set(Person.objects.values_list("name_hangul", flat=True)) == {"김철수", "리영희"}


def test_bytes_that_happen_to_decode_as_cp949_are_not_taken_for_korean(
    analyst, tmp_path, vocabularies
):
    # Rare Hangul syllables (outside the 2,350 in everyday use) and no common ones: not Korean
    # text, whatever CP949 makes of the bytes.
    content = b"name\n" + bytes([0x81, 0x41, 0x82, 0x52, 0x83, 0x61, 0x84, 0x81]) + b"\n"
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content))
    error = only_error(report)
    assert error.row == 2 and "offset 5 " in error.message


def test_cells_beyond_the_header_are_an_error_of_their_row(analyst, tmp_path, vocabularies):
    # An unquoted comma inside a name shifts every cell after it one column to the right.
    content = "name,sex\nKim,male\nRi, Yong-hui,female\n"
    report = import_file(analyst, "persons", write(tmp_path, "p.csv", content.encode()))
    error = only_error(report)
    assert error.row == 3 and "more cells than the header" in error.message
