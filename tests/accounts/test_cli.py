"""`sillok createuser`, `sillok passwd`, `sillok reset-2fa` through the real command."""

from __future__ import annotations

import json

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sillok.accounts.models import User
from sillok.custody.models import AuditEntry
from sillok.testing.cli import run_sillok

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_PASSWORD = "a long and unusual passphrase 31"


def test_createuser_with_password_on_stdin_never_prints_it(roles):
    result = run_sillok(
        "createuser", "mina", "--role", "analyst", "--password-stdin", input=GOOD_PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert "created user mina with role analyst" in result.stdout
    assert GOOD_PASSWORD not in result.stdout + result.stderr
    user = User.objects.get(username="mina")
    assert user.check_password(GOOD_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["analyst"]
    entry = AuditEntry.objects.get(action="user.created")
    assert entry.details == {"username": "mina", "role": "analyst"}


def test_createuser_generates_a_strong_password_and_shows_it_once(roles):
    result = run_sillok("createuser", "jun", "--role", "partner", "--email", "jun@example.org")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("password"))
    password = line.rsplit(" ", 1)[1]
    assert len(password) >= 20
    user = User.objects.get(username="jun")
    assert user.check_password(password)
    assert user.email == "jun@example.org"
    assert password not in json.dumps(list(AuditEntry.objects.values_list("details", flat=True)))


def test_createuser_json_output(roles):
    result = run_sillok("createuser", "soo", "--role", "admin", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["username"] == "soo" and data["role"] == "admin"
    assert User.objects.get(pk=data["id"]).check_password(data["password"])
    assert User.objects.get(pk=data["id"]).is_staff


def test_createuser_json_with_stdin_password_has_no_password_field(roles):
    result = run_sillok(
        "createuser", "hye", "--role", "auditor", "--json", "--password-stdin", input=GOOD_PASSWORD
    )
    assert result.returncode == 0, result.stderr
    assert "password" not in json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (["--role", "king"], None, "unknown role"),
        (["--role", "analyst", "--password-stdin"], "short\n", "password rejected"),
        (["--role", "analyst", "--password-stdin"], "password123456\n", "password rejected"),
        (["--role", "analyst", "--password-stdin"], "\n", "no password"),
    ],
)
def test_createuser_bad_input_exits_2_and_creates_nothing(roles, args, stdin, reason):
    result = run_sillok("createuser", "bora", *args, input=stdin)
    assert result.returncode == 2
    assert reason in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert not User.objects.filter(username="bora").exists()
    assert not AuditEntry.objects.filter(action="user.created").exists()


def test_createuser_duplicate_exits_2(roles, analyst):
    result = run_sillok("createuser", "ANALYST", "--role", "analyst")
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert User.objects.filter(username__iexact="analyst").count() == 1


def test_createuser_without_role_is_bad_usage(roles):
    result = run_sillok("createuser", "bora")
    assert result.returncode == 2
    assert not User.objects.filter(username="bora").exists()


def test_passwd_sets_a_password_from_stdin(analyst):
    result = run_sillok("passwd", "analyst", "--password-stdin", input=GOOD_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert GOOD_PASSWORD not in result.stdout
    analyst.refresh_from_db()
    assert analyst.check_password(GOOD_PASSWORD)
    assert AuditEntry.objects.filter(action="user.password_set").exists()


def test_passwd_for_unknown_user_exits_2(roles):
    result = run_sillok("passwd", "nobody", "--password-stdin", input=GOOD_PASSWORD)
    assert result.returncode == 2
    assert "no user called 'nobody'" in result.stderr


def test_reset_2fa_removes_the_devices(admin):
    assert TOTPDevice.objects.filter(user=admin).exists()
    result = run_sillok("reset-2fa", "admin")
    assert result.returncode == 0, result.stderr
    assert "removed 1" in result.stdout
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEntry.objects.filter(action="otp.reset").exists()
