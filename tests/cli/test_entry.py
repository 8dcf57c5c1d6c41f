"""The `sillok` entry point: start-up work it skips, and what it leaves alone in-process."""

from __future__ import annotations

import signal

import pytest

from sillok import cli


def test_calling_main_in_process_keeps_the_callers_sigpipe_handling(capsys):
    before = signal.getsignal(signal.SIGPIPE)
    assert cli.main(["--help"]) == 0
    assert "usage: sillok" in capsys.readouterr().out
    # A pytest or server process that let main() reset SIGPIPE would be killed outright by
    # the next write to a socket whose peer went away.
    assert signal.getsignal(signal.SIGPIPE) == before


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        # Commands that read or write the repository start without Django's system checks,
        # placed before a subcommand so that its own parser never sees the option.
        (["jobs"], ["jobs", "--skip-checks"]),
        (["vocab", "list", "--json"], ["vocab", "--skip-checks", "list", "--json"]),
        # These keep them: checking the code is their job, or they set up the repository.
        (["check"], ["check"]),
        (["migrate"], ["migrate"]),
        (["init"], ["init"]),
        # A command without checks has no such option; an unknown one is left to Django.
        (["serve", "--port", "8001"], ["serve", "--port", "8001"]),
        (["no-such-command"], ["no-such-command"]),
        (["jobs", "--skip-checks"], ["jobs", "--skip-checks"]),
    ],
)
def test_system_checks_are_skipped_only_where_they_are_not_the_point(argv, expected):
    assert cli._without_system_checks(argv) == expected
