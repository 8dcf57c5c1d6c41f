"""Running external tools on hostile input: one place that fixes how it is done.

Every deriver that shells out goes through `run_tool`: a fixed argv list (never a shell, so a
file name can never become a command), stdin closed, a hard timeout, and errors turned into
the two exceptions the job runner understands. Output is returned to the caller and never
logged: it is evidence content.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .base import DerivationError, DeriverUnavailable

# Tool stderr goes into user-visible error messages; keep it to one short line so a chatty
# tool cannot copy pages of (possibly file-derived) output into the job record.
_STDERR_EXCERPT = 200


def run_tool(
    args: Sequence[str],
    timeout: float,
    *,
    ok_codes: Sequence[int] = (0,),
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `args` (argv[0] is looked up on PATH) and return the finished process.

    Raises DeriverUnavailable when the tool is not installed, DerivationError when it runs
    past `timeout` seconds or exits with a status outside `ok_codes`.
    """
    tool = Path(args[0]).name
    executable = shutil.which(args[0])
    if executable is None:
        raise DeriverUnavailable(f"{tool} is not installed (not found on PATH)")
    full_env = {**os.environ, **env} if env else None
    try:
        # Fixed argv, no shell: arguments are passed to the tool verbatim.
        proc = subprocess.run(  # noqa: S603
            [executable, *args[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
            env=full_env,
            cwd=cwd,
        )
    except FileNotFoundError as exc:
        raise DeriverUnavailable(f"{tool} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise DerivationError(
            f"{tool} took longer than {timeout:g} s on this file and was stopped"
        ) from exc
    if proc.returncode not in ok_codes:
        reason = stderr_excerpt(proc.stderr)
        raise DerivationError(
            f"{tool} could not process the file (exit status {proc.returncode})"
            + (f": {reason}" if reason else "")
        )
    return proc


def stderr_excerpt(stderr: bytes) -> str:
    """The last non-empty line of a tool's stderr, shortened."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:_STDERR_EXCERPT] if lines else ""


def probe_version(args: Sequence[str], pattern: str, timeout: float = 20) -> str:
    """The version a tool reports (first group of `pattern` in its stdout or stderr).

    Raises DeriverUnavailable when the tool is missing; "unknown" if the output has changed
    shape, so a cosmetic change in a tool's banner does not stop the pipeline.
    """
    try:
        proc = run_tool(args, timeout, ok_codes=range(256))
    except DerivationError as exc:
        raise DeriverUnavailable(f"{Path(args[0]).name} does not answer: {exc}") from exc
    text = (proc.stdout + b"\n" + proc.stderr).decode("utf-8", "replace")
    match = re.search(pattern, text)
    return match.group(1) if match else "unknown"


def file_arg(path: Path) -> str:
    """A path as a tool argument that can never be read as an option.

    An absolute path starts with "/", so a file named "-o" or "--help" stays a file name.
    """
    return str(path.resolve())


def check_regular_file(path: Path) -> None:
    """Refuse anything but a plain file (after following a link, which the services may use
    for a read-only copy): a directory makes some tools recurse, a FIFO or device makes them
    block forever."""
    if not path.is_file():
        raise DerivationError("the source is not a regular file")


def bare_type(media_type: str) -> str:
    """ "Text/HTML; charset=UTF-8" -> "text/html"."""
    return media_type.split(";", 1)[0].strip().lower()
