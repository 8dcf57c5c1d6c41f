"""Derivers that misbehave, registered only by tests/evidence/test_sandbox.py.

A module of its own, importing nothing of Django: the sandboxed child unpickles these by
their module path, and a child never sets Django up.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from sillok.evidence.derive.base import Derivation, DerivedFile


class _Hostile:
    tool = "test"

    def applies_to(self, media_type: str) -> bool:
        return media_type == "text/plain"

    def tool_version(self) -> str:
        return "1"

    def params(self) -> dict[str, Any]:
        return {}


class MemoryHog(_Hostile):
    name = "memory_hog"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        blocks = []
        for _ in range(4096):  # 256 GB: more than any limit, in 64 MB steps
            blocks.append(bytearray(64 * 1024 * 1024))
        return Derivation(details={"blocks": len(blocks)})


class Looper(_Hostile):
    name = "looper"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        while True:
            pass


class Crasher(_Hostile):
    name = "crasher"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        ctypes.string_at(0)  # reads address 0: SIGSEGV
        return Derivation()


class Spawner(_Hostile):
    """Starts a tool that never ends and waits for it; writes the tool's pid to `pid_file`."""

    name = "spawner"

    def __init__(self, pid_file: Path) -> None:
        self.pid_file = pid_file

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        sleeper = subprocess.Popen(["sleep", "3600"])  # noqa: S607 - a test's own tool
        self.pid_file.write_text(str(sleeper.pid))
        sleeper.wait()
        return Derivation()


class Leaver(Spawner):
    """Starts a tool that never ends and returns without waiting for it."""

    name = "leaver"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        sleeper = subprocess.Popen(["sleep", "3600"])  # noqa: S607 - a test's own tool
        self.pid_file.write_text(str(sleeper.pid))
        time.sleep(0.1)
        return Derivation()


class Escaper(_Hostile):
    """Names a file outside its output folder as its output (a subverted parser would)."""

    name = "escaper"

    def __init__(self, target: Path) -> None:
        self.target = target

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        output = DerivedFile(path=self.target, kind="text", media_type="text/plain")
        return Derivation(files=[output])


class LinkEscaper(Escaper):
    name = "link_escaper"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        link = workdir / "secret.txt"
        link.symlink_to(self.target)
        return Derivation(files=[DerivedFile(path=link, kind="text", media_type="text/plain")])


class EnvironmentReporter(_Hostile):
    """Reports where it ran: process id, working folder and environment variable names."""

    name = "environment"

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        report = workdir / "environment.json"
        report.write_text(
            json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "env": sorted(os.environ)})
        )
        output = DerivedFile(path=report, kind="metadata", media_type="application/json")
        return Derivation(files=[output])
