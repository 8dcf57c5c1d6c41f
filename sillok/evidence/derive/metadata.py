"""The metadata deriver: everything ExifTool reads from a file, kept exactly as it printed it.

The JSON is stored verbatim (not parsed and re-serialised) so that what an investigator cites
is what the tool said. Two deliberate choices shape that output:

* `--System:all` leaves out the file-system tags (FileName, Directory, FileSize,
  FileModifyDate, permissions). They describe the worker's temporary copy, not the evidence,
  and a "FileModifyDate" of today would be easy to mistake for a fact about the item. The
  original name and dates belong to the intake record. (SourceFile, the temporary path, is
  always printed by ExifTool and is left in.)
* `-config ""` stops ExifTool loading a user config file, which is Perl it would execute.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .base import Derivation, DerivationError, DerivedFile
from .tools import check_regular_file, file_arg, probe_version, run_tool

EXIFTOOL_ARGS = ("-json", "-G", "-n", "--System:all", "-api", "LargeFileSupport=1")
EXIFTOOL_TIMEOUT_S = 120


class MetadataDeriver:
    name = "metadata"
    tool = "exiftool"

    def applies_to(self, media_type: str) -> bool:
        return True  # ExifTool reports at least the detected type for any file

    def tool_version(self) -> str:
        return probe_version(["exiftool", "-config", "", "-ver"], r"^\s*([\d.]+)")

    def params(self) -> dict[str, Any]:
        return {"args": list(EXIFTOOL_ARGS)}

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        check_regular_file(source)
        # -config must come first. ExifTool exits 1 for a file type it does not know, but
        # still prints valid JSON with an Error tag; that is a result worth keeping.
        proc = run_tool(
            ["exiftool", "-config", "", *EXIFTOOL_ARGS, file_arg(source)],
            EXIFTOOL_TIMEOUT_S,
            ok_codes=(0, 1),
        )
        try:
            parsed = json.loads(proc.stdout)
            tags = parsed[0]
            if not isinstance(tags, dict):
                raise TypeError
        except (ValueError, IndexError, KeyError, TypeError) as exc:
            raise DerivationError("exiftool did not return metadata for this file") from exc
        path = workdir / "metadata.json"
        path.write_bytes(proc.stdout)
        details = {
            "file_type": tags.get("File:FileType", ""),
            "mime_type": tags.get("File:MIMEType", ""),
            "tags": len(tags),
        }
        if "ExifTool:Error" in tags:
            details["exiftool_error"] = tags["ExifTool:Error"]
        output = DerivedFile(
            path=path, kind="metadata", media_type="application/json", details=details
        )
        return Derivation(files=[output], details=details)
