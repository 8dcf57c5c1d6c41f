"""Parsing uploaded files in a separate process, under limits.

Uploaded files are hostile input: an HWP or PDF crafted to crash a parser, a PNG that
decompresses to gigabytes, a PDF whose page tree never ends. Everything that parses their
contents — intake's type detection and integrity checks, every deriver — runs in a child
process (``python -m sillok.evidence.sandbox_child``) started like this:

* its own session and process group, so a timeout kills the child *and* every tool it
  started (tesseract, ffmpeg, pdftoppm) with one ``killpg``;
* resource limits set by the child on itself before it reads a request: address space
  (``RLIMIT_AS``), CPU seconds (``RLIMIT_CPU``, per call), size of any file it writes
  (``RLIMIT_FSIZE``), no core dumps, a bounded number of open files; tools it starts
  inherit them. The parent enforces a wall-clock limit per call;
* stdin closed, stdout and stderr discarded, no inherited file descriptors (so no database
  connection and no socket of the parent), a minimal environment (no ``SILLOK_*`` secrets,
  HOME and TMPDIR in a private scratch folder, model hubs offline), cwd in that folder.

Requests and answers are length-prefixed JSON on two pipes. The parent never unpickles
anything the child sends: a child whose parser was subverted can lie about its result, but
cannot make the parent run code; derivative paths it names are checked to lie in the output
folder (see derivation.py).

A child that breaks a limit fails the call with ``ParseLimitExceeded``, whose message says
which limit ("the file could not be parsed within the limits: it used more than 2048 MB of
memory"): the same input fails the same way, so callers do not retry it. ``DerivationError``,
``DeriverUnavailable`` and ``RejectedInput`` raised in the child come back as themselves.

What this is not: a security boundary against code execution. The child runs as the same OS
user; a parser exploit inside it could read what that user can read. It bounds resources and
contains crashes; confinement (a separate user, seccomp, a container) is left to operators
(see docs/security.md).

A ``Sandbox`` keeps finished children for reuse (``max_calls`` each): intake checks small
files a chunk per call through one child per thread rather than starting one per file, and
the jobs of one file share one. Children are never shared between intakes or between files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings

from sillok.core.tempfiles import home_temp_area, new_temp_dir, remove_tree
from sillok.evidence.derive.base import DerivationError, DeriverUnavailable
from sillok.evidence.inputs.errors import RejectedInput

logger = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a child cannot make the parent buffer more than this
EXIT_GRACE_S = 5.0
# Passed through to the child where set: what the tools and models it runs need.
PASSED_ENV = (
    "PATH",
    "TZ",
    "TESSDATA_PREFIX",
    "MAGIC",
    "SILLOK_WHISPER_MODEL_DIR",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "LD_LIBRARY_PATH",
)


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address space of the child and of each tool it starts
    seconds: int  # wall clock per call
    cpu_seconds: int  # CPU time per call (all threads of the child together)
    output_mb: int  # largest file the child or its tools may write
    open_files: int = 512

    def describe(self, reason: str) -> str:
        what = {
            "memory": f"it used more than {self.memory_mb} MB of memory",
            "time": f"it took longer than {self.seconds} s",
            "cpu": f"it used more than {self.cpu_seconds} s of processor time",
            "output": f"it wrote a file larger than {self.output_mb} MB",
        }.get(reason, reason)
        return f"the file could not be parsed within the limits: {what}"


class ParseLimitExceeded(Exception):
    """The child broke a limit or crashed on the input. Not retried: the same input fails the
    same way. `reason` is memory, time, cpu, output or crash; str() is the user's message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SandboxFailure(RuntimeError):
    """Something unexpected went wrong in the child (a bug, not the file's fault): callers
    treat it like any unexpected exception (derivation jobs are retried)."""


def limits_for(deriver: str | None = None) -> Limits:
    """The limits from settings, with a deriver's overrides (transcription runs as long as the
    recording, on several threads)."""
    seconds = settings.SILLOK_PARSE_SECONDS
    memory = settings.SILLOK_PARSE_MEMORY_MB
    override = settings.SILLOK_PARSE_DERIVER_LIMITS.get(deriver or "", {})
    seconds = override.get("seconds", seconds)
    memory = override.get("memory_mb", memory)
    # All threads count towards RLIMIT_CPU; the wall clock is the limit that matters.
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere all CPUs
    threads = max(1, len(affinity(0)) if affinity else os.cpu_count() or 1)
    return Limits(
        memory_mb=memory,
        seconds=seconds,
        cpu_seconds=seconds * threads + 5,
        output_mb=settings.SILLOK_PARSE_OUTPUT_MB,
    )


def run_sandboxed(target: str, args: dict[str, Any], limits: Limits | None = None) -> Any:
    """Run ``target`` ("module:function", called with the JSON-able ``args``) once in a new
    child; its JSON-able result, or the exceptions described in the module docstring."""
    with Sandbox(limits) as sandbox:
        return sandbox.call(target, args)


class Sandbox:
    """Children for one intake or one file's jobs; a child is reused for at most
    ``max_calls`` calls with the same limits, and killed with its group on any limit."""

    def __init__(self, limits: Limits | None = None, *, max_calls: int = 200) -> None:
        self.limits = limits or limits_for()
        self.max_calls = max_calls
        self.enabled = settings.SILLOK_PARSE_IN_SUBPROCESS
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._scratch: Path | None = None
        self._closed = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call(
        self,
        target: str,
        args: dict[str, Any],
        *,
        limits: Limits | None = None,
        reap: bool = False,
    ) -> Any:
        """Run ``target(args)`` in a child under ``limits`` (default: the sandbox's). With
        ``reap``, tools the call left running are killed when it returns."""
        if not self.enabled:
            return resolve(target)(args)
        limits = limits or self.limits
        child = self._checkout(limits)
        try:
            answer = child.call({"target": target, "args": args, "reap": reap})
        except BaseException:
            child.kill()
            raise
        if (answer.get("error") or {}).get("type") == "limit":
            child.stop()  # it ran out of something: a fresh child for the next call
        else:
            self._checkin(child)
        return _unpack(answer, limits)

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for child in idle:
            child.stop()
        if self._scratch is not None:
            remove_tree(self._scratch)

    def _checkout(self, limits: Limits) -> _Child:
        with self._lock:
            if self._closed:
                raise RuntimeError("the sandbox is closed")
            for index, child in enumerate(self._idle):
                if child.limits == limits:
                    return self._idle.pop(index)
            if self._scratch is None:
                self._scratch = new_temp_dir(home_temp_area(), "sandbox-")
            scratch = self._scratch
        return _Child.start(limits, scratch)

    def _checkin(self, child: _Child) -> None:
        with self._lock:
            if child.alive and child.calls < self.max_calls and not self._closed:
                self._idle.append(child)
                return
        child.stop()


def resolve(target: str) -> Callable[[dict[str, Any]], Any]:
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def _unpack(answer: dict[str, Any], limits: Limits) -> Any:
    if answer.get("ok"):
        return answer.get("result")
    error = answer.get("error") or {}
    kind, message = error.get("type", ""), str(error.get("message", ""))
    if kind == "DerivationError":
        raise DerivationError(message)
    if kind == "DeriverUnavailable":
        raise DeriverUnavailable(message)
    if kind == "RejectedInput":
        raise RejectedInput(str(error.get("code", "corrupt")), message)
    if kind == "limit":
        reason = str(error.get("reason", "memory"))
        raise ParseLimitExceeded(reason, limits.describe(reason))
    logger.error("sandboxed %s failed: %s", kind, error.get("traceback", message))
    raise SandboxFailure(f"{kind}: {message}")


def _child_env(scratch: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ENV if os.environ.get(name)}
    env.setdefault("PATH", os.defpath)
    # numpy's OpenBLAS reserves buffers per core at import, which RLIMIT_AS would count.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    paths = [p for p in sys.path if p and Path(p).is_dir()]
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(paths),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "LANG": "C.UTF-8",
            "HOME": str(scratch),  # no user configs (an ExifTool config is Perl code)
            "TMPDIR": str(scratch),
            "HF_HUB_OFFLINE": "1",  # models come from packages, never from a hub
            # glibc reserves 64 MB of address space per thread arena; with RLIMIT_AS that
            # would count against the file, not against anything the parser does.
            "MALLOC_ARENA_MAX": "2",
        }
    )
    return env


class _Child:
    """One child process and its two pipes."""

    def __init__(self, proc: subprocess.Popen, to_child: int, from_child: int, limits: Limits):
        self.proc = proc
        self.to_child = to_child
        self.from_child = from_child
        self.limits = limits
        self.calls = 0
        self.alive = True

    @classmethod
    def start(cls, limits: Limits, scratch: Path) -> _Child:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            proc = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter, our module
                [
                    sys.executable,
                    "-m",
                    "sillok.evidence.sandbox_child",
                    str(request_read),
                    str(answer_write),
                    json.dumps(asdict(limits)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(request_read, answer_write),
                cwd=scratch,
                env=_child_env(scratch),
                start_new_session=True,  # own process group: killpg reaches its tools
            )
        finally:
            os.close(request_read)
            os.close(answer_write)
        return cls(proc, request_write, answer_read, limits)

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        payload = json.dumps(request).encode()
        deadline = time.monotonic() + self.limits.seconds
        try:
            os.write(self.to_child, HEADER.pack(len(payload)))
            _write_all(self.to_child, payload)
            header = self._read(HEADER.size, deadline)
            (size,) = HEADER.unpack(header) if len(header) == HEADER.size else (None,)
            if size is None:
                raise self._died()
            if size > MAX_MESSAGE_BYTES:
                self.kill()
                raise SandboxFailure(f"the parser sent an answer of {size} bytes; refused")
            body = self._read(size, deadline)
            if len(body) != size:
                raise self._died()
        except BrokenPipeError:
            raise self._died() from None
        except TimeoutError:
            self.kill()
            raise ParseLimitExceeded("time", self.limits.describe("time")) from None
        return json.loads(body)

    def _read(self, size: int, deadline: float) -> bytes:
        """Up to ``size`` bytes (fewer only at end of file); TimeoutError past ``deadline``."""
        chunks, got = [], 0
        with selectors.DefaultSelector() as selector:
            selector.register(self.from_child, selectors.EVENT_READ)
            while got < size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                chunk = os.read(self.from_child, min(size - got, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        return b"".join(chunks)

    def _died(self) -> Exception:
        """The exception for a child that went away mid-call (killed by a limit or crashed)."""
        self._kill_group()  # its tools may still run; the group id is held until we reap it
        try:
            status = self.proc.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()
            status = self.proc.returncode
        self._close_pipes()
        self.alive = False
        if status is None or status >= 0:
            # Target exceptions are answered, so an exit is a start-up failure (an import,
            # a limit too small to start Python): ours, not the file's.
            return SandboxFailure(f"the parsing process exited with status {status}")
        reason = _reason_for_status(status)
        if reason == "crash":
            return ParseLimitExceeded(
                "crash",
                f"the file could not be parsed: the parser crashed ({_signal_name(-status)})",
            )
        return ParseLimitExceeded(reason, self.limits.describe(reason))

    def stop(self) -> None:
        """End an idle child: it exits when its request pipe closes."""
        self._close_pipes()
        self.alive = False
        try:
            self.proc.wait(timeout=EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        self._kill_group()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=EXIT_GRACE_S)
        self._close_pipes()
        self.alive = False

    def _kill_group(self) -> None:
        # Only while the child is not yet reaped: until then its pid (the group id) cannot
        # have been given to another process.
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def _close_pipes(self) -> None:
        for fd in (self.to_child, self.from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.to_child = self.from_child = -1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _reason_for_status(status: int) -> str:
    sig = -status
    if sig == signal.SIGXCPU:
        return "cpu"
    if sig == signal.SIGXFSZ:
        return "output"
    if sig == signal.SIGKILL:
        return "memory"  # not ours (we only kill on time): the kernel's out-of-memory killer
    return "crash"


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


@contextlib.contextmanager
def maybe(sandbox: Sandbox | None, limits: Limits | None = None) -> Iterator[Sandbox]:
    """``sandbox`` if given, else a new one closed on exit."""
    if sandbox is not None:
        yield sandbox
        return
    with Sandbox(limits) as fresh:
        yield fresh


__all__ = [
    "Limits",
    "ParseLimitExceeded",
    "Sandbox",
    "SandboxFailure",
    "limits_for",
    "maybe",
    "run_sandboxed",
]
