from __future__ import annotations

import sys

import pytest

from sillok.evidence.derive import DerivationError, DeriverUnavailable
from sillok.evidence.derive.tools import bare_type, file_arg, probe_version, run_tool


def test_arguments_reach_the_tool_verbatim_never_through_a_shell():
    hostile = "$(touch /tmp/pwned); `id` | rm -rf / ; 'quote"
    proc = run_tool(["echo", hostile], 10)
    assert proc.stdout.decode() == hostile + "\n"


def test_missing_tool_is_unavailable_not_a_failure():
    with pytest.raises(DeriverUnavailable, match="no-such-tool-xyz is not installed"):
        run_tool(["no-such-tool-xyz", "--version"], 10)


def test_timeout_names_the_tool():
    with pytest.raises(DerivationError, match="sleep took longer than 0.2 s"):
        run_tool(["sleep", "5"], 0.2)


def test_failure_carries_the_last_line_of_stderr_only():
    script = "import sys; sys.stderr.write('noise\\n' * 50 + 'the real reason\\n'); sys.exit(3)"
    with pytest.raises(DerivationError) as caught:
        run_tool([sys.executable, "-c", script], 10)
    assert str(caught.value).endswith("(exit status 3): the real reason")
    assert "noise" not in str(caught.value)


def test_accepted_exit_codes_are_not_errors():
    assert run_tool(["false"], 10, ok_codes=(0, 1)).returncode == 1


def test_a_file_named_like_an_option_stays_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert file_arg(tmp_path / "-rf").startswith("/")


def test_version_probe_reads_stdout_or_stderr():
    assert probe_version([sys.executable, "--version"], r"Python (\d+\.\d+)")[0] == "3"
    assert probe_version(["true"], r"v(\d)") == "unknown"


def test_bare_type_drops_parameters_and_case():
    assert bare_type("Text/HTML; charset=EUC-KR") == "text/html"
