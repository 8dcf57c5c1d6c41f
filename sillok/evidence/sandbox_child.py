"""The child side of the sandbox (see sandbox.py): set limits, then answer requests.

Started as ``python -m sillok.evidence.sandbox_child REQUEST_FD ANSWER_FD LIMITS_JSON``. It
imports no Django and opens no database: it reads a request (``{"target": "module:function",
"args": {...}, "reap": bool}``), calls the target, writes the JSON answer, and waits for the
next one until its request pipe closes.

The two targets the evidence app uses are here too: ``run_deriver`` (one deriver on one
local copy) and ``inspect_upload`` (intake's type detection and integrity check).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import pickle
import resource
import signal
import struct
import sys
import traceback
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

HEADER = struct.Struct(">I")
MB = 1024 * 1024
# Freed when memory runs out, so that the answer saying so can still be written.
_reserve: bytearray | None = None


def main(argv: list[str]) -> int:
    global _reserve
    request_fd, answer_fd = int(argv[1]), int(argv[2])
    limits = json.loads(argv[3])
    apply_limits(limits)
    _reserve = bytearray(4 * MB)
    while True:
        request = _read_message(request_fd)
        if request is None:
            return 0
        _limit_cpu(limits["cpu_seconds"])
        answer = _answer(request)
        _write_message(answer_fd, answer)
        if _reserve is None:  # memory ran out during the call: start afresh next time
            return 0


def apply_limits(limits: dict[str, int]) -> None:
    """Limits on this process, inherited by every tool it starts."""

    def both(kind: int, value: int) -> None:
        _soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))

    both(resource.RLIMIT_AS, limits["memory_mb"] * MB)
    both(resource.RLIMIT_FSIZE, limits["output_mb"] * MB)
    both(resource.RLIMIT_CORE, 0)
    both(resource.RLIMIT_NOFILE, limits["open_files"])


def _limit_cpu(seconds: int) -> None:
    # RLIMIT_CPU counts the whole life of the process: allow this call `seconds` more. Only
    # the soft limit moves (the kernel sends SIGXCPU there), so it can move on for the next.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + seconds
    _old, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    global _reserve
    try:
        module, _, name = request["target"].partition(":")
        result = getattr(import_module(module), name)(request["args"])
        json.dumps(result)  # fail here, inside the try, if it cannot be sent
        return {"ok": True, "result": result}
    except Exception as exc:
        # Parsers wrap what went wrong (pypdf: PdfReadError from MemoryError): look inside.
        if _caused_by(exc, lambda e: isinstance(e, MemoryError)):
            _reserve = None
            return _limit("memory")
        if _caused_by(exc, lambda e: isinstance(e, OSError) and e.errno == errno.EFBIG):
            return _limit("output")
        return _raised(exc)
    finally:
        if request.get("reap"):
            reap_strays()


def _caused_by(exc: BaseException, test: Callable[[BaseException], bool]) -> bool:
    seen: BaseException | None = exc
    for _ in range(20):  # a chain, not a cycle
        if seen is None:
            return False
        if test(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _limit(reason: str) -> dict[str, Any]:
    return {"ok": False, "error": {"type": "limit", "reason": reason}}


def _raised(exc: BaseException) -> dict[str, Any]:
    names = {cls.__name__ for cls in type(exc).__mro__}
    for known in ("DerivationError", "DeriverUnavailable", "RejectedInput"):
        if known in names:
            error = {"type": known, "message": str(exc)}
            if known == "RejectedInput":
                error["code"] = getattr(exc, "code", "corrupt")
            return {"ok": False, "error": error}
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__,
            "message": str(exc)[:2000],
            "traceback": traceback.format_exc()[-8000:],
        },
    }


def reap_strays() -> None:
    """Kill what the call left running in our process group (a tool that forked and did not
    wait), so nothing of one call outlives it; then collect our own dead children."""
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # after "(comm)": state ppid pgrp …
        if len(fields) > 2 and fields[2] == str(me):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        chunk = os.read(fd, size - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_message(fd: int) -> dict[str, Any] | None:
    header = _read_exact(fd, HEADER.size)
    if header is None:
        return None
    body = _read_exact(fd, HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


def _write_message(fd: int, message: dict[str, Any]) -> None:
    try:
        body = json.dumps(message).encode()
    except (TypeError, ValueError) as exc:
        body = json.dumps(_raised(exc)).encode()
    data = HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- Targets ------------------------------------------------------------------------------


def run_deriver(args: dict[str, Any]) -> dict[str, Any]:
    """One deriver run. ``args["deriver"]`` is the pickled deriver (written by our own parent,
    never by the child or a user); outputs are named relative to ``outdir``."""
    deriver = pickle.loads(base64.b64decode(args["deriver"]))  # noqa: S301 - from the parent
    outdir = Path(args["outdir"])
    derivation = deriver.run(Path(args["source"]), args["media_type"], outdir)
    files = []
    for output in derivation.files:
        files.append(
            {
                # As written, not resolved: the parent judges links and escapes itself.
                "name": os.path.relpath(output.path, outdir),
                "kind": output.kind,
                "media_type": output.media_type,
                "language": output.language,
                "details": output.details,
            }
        )
    return {"files": files, "phashes": list(derivation.phashes), "details": derivation.details}


def inspect_upload(args: dict[str, Any]) -> dict[str, Any]:
    """Intake's content check: the media type from the bytes, then size, extension and
    integrity (RejectedInput when refused)."""
    from sillok.evidence.inputs.errors import RejectedInput
    from sillok.evidence.inputs.media import check_content, detect_media_type

    path = Path(args["path"])
    try:
        media_type = detect_media_type(path)
        check_content(path, args["filename"], media_type, max_bytes=args["max_bytes"])
    except OSError as exc:
        if exc.errno in (errno.ENOMEM, errno.EFBIG):
            raise
        raise RejectedInput("unreadable", f"cannot read the file: {exc}") from None
    return {"media_type": media_type}


def inspect_uploads(args: dict[str, Any]) -> list[dict[str, Any]]:
    """``inspect_upload`` for several files; a refusal is an answer ({"code", "message"}),
    so one refused file does not hide the others' results."""
    from sillok.evidence.inputs.errors import RejectedInput

    answers: list[dict[str, Any]] = []
    for one in args["files"]:
        try:
            answers.append(inspect_upload(one))
        except RejectedInput as exc:
            answers.append({"code": exc.code, "message": exc.message})
    return answers


if __name__ == "__main__":
    sys.exit(main(sys.argv))
