from __future__ import annotations

import json

from PIL import Image

from sillok.evidence.derive.metadata import MetadataDeriver

from .builders import pattern_image


def test_exif_of_a_photo_is_kept_as_exiftool_printed_it(tmp_path, workdir):
    exif = Image.Exif()
    exif[0x010F] = "SillokCam"  # Make
    exif[0x0110] = "Model 7"  # Model
    source = tmp_path / "photo.jpg"
    pattern_image(3).save(source, exif=exif)
    result = MetadataDeriver().run(source, "image/jpeg", workdir)
    (output,) = result.files
    assert output.kind == "metadata" and output.media_type == "application/json"
    raw = output.path.read_bytes()
    (tags,) = json.loads(raw)
    assert raw.startswith(b'[{\n  "SourceFile"')  # exiftool's own layout, not re-serialised
    assert tags["File:FileType"] == "JPEG" and tags["File:MIMEType"] == "image/jpeg"
    assert tags["EXIF:Make"] == "SillokCam" and tags["EXIF:Model"] == "Model 7"
    assert tags["File:ImageWidth"] == 640  # -n: numbers stay numbers
    assert result.details["file_type"] == "JPEG"


def test_facts_about_the_temporary_copy_are_left_out(tmp_path, workdir):
    source = tmp_path / "note.txt"
    source.write_text("인권 기록\n", encoding="utf-8")
    (tags,) = json.loads(
        MetadataDeriver().run(source, "text/plain", workdir).files[0].path.read_text()
    )
    assert not [key for key in tags if key.startswith("System:")]
    assert "File:FileModifyDate" not in tags and "File:FileName" not in tags
    assert tags["File:FileType"] == "TXT"


def test_unknown_binary_still_gets_a_record_with_exiftools_error(tmp_path, workdir):
    source = tmp_path / "blob.bin"
    source.write_bytes(bytes(range(256)) * 4)
    result = MetadataDeriver().run(source, "application/octet-stream", workdir)
    assert result.details["exiftool_error"] == "Unknown file type"
    assert json.loads(result.files[0].path.read_text())[0]["ExifTool:Error"]


def test_a_user_exiftool_config_is_never_loaded(tmp_path, workdir, monkeypatch):
    # ExifTool configs are Perl; one in HOME would run on every file.
    marker = tmp_path / "config-ran"
    (tmp_path / ".ExifTool_config").write_text(f'open(my $f, ">", "{marker}"); close($f); 1;\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    source = tmp_path / "photo.png"
    pattern_image(4).save(source)
    MetadataDeriver().run(source, "image/png", workdir)
    assert not marker.exists()


def test_metadata_applies_to_everything():
    deriver = MetadataDeriver()
    assert all(deriver.applies_to(t) for t in ("image/png", "application/x-hwp", "video/mp4"))
    assert deriver.tool_version()[0].isdigit()
