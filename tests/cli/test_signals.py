"""Called in-process, `sillok`'s main() leaves the caller's signal handling alone."""

from __future__ import annotations

import signal

import pytest

from sillok import cli

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="POSIX signals")


def test_calling_main_in_process_keeps_the_callers_sigpipe_handling(capsys):
    before = signal.getsignal(signal.SIGPIPE)
    assert cli.main(["--help"]) == 0
    assert "usage: sillok" in capsys.readouterr().out
    # A pytest or server process that let main() reset SIGPIPE would be killed outright by
    # the next write to a socket whose peer went away.
    assert signal.getsignal(signal.SIGPIPE) == before

