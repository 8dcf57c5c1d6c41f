"""Personas for every test (STYLE.md rule 6). Names here are stable: other apps' tests use them.

Fixtures (all function-scoped, all need the database):

``roles``
    Syncs the role groups from roles.py; returns ``{role name: Group}``.
``documentation_officer``, ``analyst``, ``legal_expert``, ``vault_keeper``, ``manager``,
``partner``, ``auditor``, ``admin``
    One user per role, username equal to the fixture name (``admin`` is ``admin``), password
    ``PERSONA_PASSWORD``. Personas whose role requires two factors (vault_keeper, manager,
    admin) already have one confirmed TOTP device, as in real life.
``outsider``
    A signed-in-able user with no role at all: it must be refused everywhere.
``personas``
    ``{fixture name: user}`` for all nine above (handy for parametrised refusal tests).
``make_user``
    ``make_user(username, role=None, *, password=PERSONA_PASSWORD, two_factor=None)`` makes
    any other user. ``two_factor=None`` means "a device if the role requires one".
``login_as``
    ``login_as(client, user)`` signs ``client`` in as ``user``, already past the second factor
    when the user has a device (the session is marked verified as ``django_otp.login`` does),
    and returns the client.
``client_for``
    ``client_for(user)`` is a new ``django.test.Client`` signed in with ``login_as``.
``reauthenticated_client_for``
    ``reauthenticated_client_for(user)`` is ``client_for(user)`` whose session also counts as
    re-authenticated just now (for views behind ``accounts.reauth.reauth_required``).
``add_totp_device``
    ``add_totp_device(user, name="phone")`` gives ``user`` a confirmed TOTP device.
``totp_code``
    ``totp_code(device)`` is the code a TOTP device shows right now (for real two-step tests).
    A device accepts each code once: ask again after 30 s, or use another device.
``persona_password``
    ``PERSONA_PASSWORD``, for tests that sign in through the real login form.
``repo_home``
    A fresh SILLOK_HOME (same keys) for a test that stores blobs: the session's shared home
    would keep them after the database rolls back, and later verification would see them.

Password hashing is argon2id as in production; the hash of the persona password is computed
once per test session and shared, so personas cost no hashing time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PERSONA_PASSWORD = "correct horse battery staple 7"  # noqa: S105 - test-only credential

# fixture name -> role name (roles.py uses hyphens, fixtures cannot)
PERSONA_ROLES = {
    "documentation_officer": "documentation-officer",
    "analyst": "analyst",
    "legal_expert": "legal-expert",
    "vault_keeper": "vault-keeper",
    "manager": "manager",
    "partner": "partner",
    "auditor": "auditor",
    "admin": "admin",
}


@pytest.fixture
def repo_home(settings, tmp_path: Path) -> Path:
    """A fresh SILLOK_HOME (blob store, temporary and upload folders) for this test."""
    home = tmp_path / "home"
    home.mkdir()
    # The same keys: a `sillok` child process started on this home must read them.
    shutil.copytree(Path(settings.SILLOK_HOME) / "keys", home / "keys")
    settings.SILLOK_HOME = home
    settings.SILLOK_BLOB_URL = ""
    return home


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """Each test starts in English: a request in Korean (LocaleMiddleware) leaves Korean
    active on the thread, and messages of later tests would come out translated."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def _persona_password_hash() -> str:
    return make_password(PERSONA_PASSWORD)


@pytest.fixture
def persona_password() -> str:
    return PERSONA_PASSWORD


@pytest.fixture
def roles(db) -> dict:
    from django.contrib.auth.models import Group

    from sillok.accounts.roles import ROLE_NAMES
    from sillok.accounts.services import sync_roles

    sync_roles()
    return {group.name: group for group in Group.objects.filter(name__in=ROLE_NAMES)}


def add_totp_device(user, *, name: str = "phone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def current_totp_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(code).zfill(device.digits)


@pytest.fixture
def totp_code():
    return current_totp_code


@pytest.fixture(name="add_totp_device")
def add_totp_device_fixture():
    return add_totp_device


@pytest.fixture
def make_user(roles, _persona_password_hash):
    from sillok.accounts.models import User
    from sillok.accounts.roles import get_role

    def make(
        username: str,
        role: str | None = None,
        *,
        password: str | None = None,
        two_factor: bool | None = None,
    ) -> User:
        user = User.objects.create(
            username=username,
            email=f"{username}@example.org",
            password=make_password(password) if password else _persona_password_hash,
            is_staff=role == "admin",
        )
        if role is not None:
            user.groups.add(roles[get_role(role).name])
        if two_factor is None:
            two_factor = role is not None and get_role(role).requires_two_factor
        if two_factor:
            add_totp_device(user)
        return user

    return make


def _persona(name: str):
    @pytest.fixture(name=name)
    def fixture(make_user):
        return make_user(name, PERSONA_ROLES[name])

    fixture.__doc__ = f"The {PERSONA_ROLES[name]} persona (username {name!r})."
    return fixture


documentation_officer = _persona("documentation_officer")
analyst = _persona("analyst")
legal_expert = _persona("legal_expert")
vault_keeper = _persona("vault_keeper")
manager = _persona("manager")
partner = _persona("partner")
auditor = _persona("auditor")
admin = _persona("admin")


@pytest.fixture
def outsider(make_user):
    """A user with an account and no role: sees nothing, may do nothing."""
    return make_user("outsider")


@pytest.fixture
def personas(request) -> dict:
    names = [*PERSONA_ROLES, "outsider"]
    return {name: request.getfixturevalue(name) for name in names}


def sign_in(client: Client, user) -> Client:
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        # What django_otp.login does after a correct code: remember the device in the session.
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login_as():
    return sign_in


@pytest.fixture
def client_for():
    def make(user) -> Client:
        return sign_in(Client(), user)

    return make


def mark_client_reauthenticated(client: Client) -> Client:
    """Mark a signed-in client's session as just re-authenticated (accounts/reauth.py)."""
    from sillok.accounts.reauth import mark_reauthenticated

    session = client.session
    mark_reauthenticated(session)
    session.save()
    return client


@pytest.fixture
def reauthenticated_client_for():
    def make(user) -> Client:
        return mark_client_reauthenticated(sign_in(Client(), user))

    return make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shipped vocabularies, gazetteer and legal frameworks, loaded once into the test
    database as `sillok init` loads them. Tests that flush the database (transaction=True) run
    after all others and reload them with the ``vocabularies`` fixture."""
    from sillok.assessment.frameworks import do_load_shipped_frameworks
    from sillok.vocab.services import do_load_shipped_data

    # Without an audit entry: tests of the audit chain start from an empty chain.
    with django_db_blocker.unblock():
        do_load_shipped_data(audit=False)
        do_load_shipped_frameworks(audit=False)


@pytest.fixture
def vocabularies(db) -> None:
    """The shipped vocabularies, gazetteer and legal frameworks are in the database
    (reloaded after a flush)."""
    from sillok.assessment.frameworks import do_load_shipped_frameworks
    from sillok.assessment.models import Framework
    from sillok.vocab.models import Vocabulary
    from sillok.vocab.services import do_load_shipped_data

    if not Vocabulary.objects.filter(slug="violations").exists():
        do_load_shipped_data(audit=False)
    if not Framework.objects.filter(code="rome-statute").exists():
        do_load_shipped_frameworks(audit=False)


@pytest.fixture
def make_record(vocabularies):
    """``make_record(user, kind, **raw)`` creates a record through the real service from raw
    values as a user would type them (``make_record(analyst, "act", event="E-1",
    violation_type="torture", date="2015-03")``) and returns it."""
    from sillok.records.fields import clean_values
    from sillok.records.resolve import Resolver
    from sillok.records.services import do_create_record

    def make(user, kind: str, **raw):
        values = clean_values(kind, raw, Resolver(user))
        return do_create_record(user, kind, values)

    return make
