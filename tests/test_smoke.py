import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_sillok_cli_sees_the_test_database():
    from sillok.accounts.services import sync_roles
    from sillok.testing.cli import run_sillok

    sync_roles()
    result = run_sillok(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.contrib.auth.models import Group; print(Group.objects.count())",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8"


def test_unknown_command_exits_2_with_one_line_reason():
    from sillok.testing.cli import run_sillok

    result = run_sillok("no-such-command")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown command" in result.stderr
