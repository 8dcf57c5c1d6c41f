"""The one settings module of Sillok. Everything comes from the environment.

Embedded default: SQLite and local files under SILLOK_HOME (default ./var).
Server mode: SILLOK_DATABASE_URL=postgres://... and SILLOK_BLOB_URL=s3://bucket/prefix.
A bad value stops start-up with a message that names the variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from sillok.core import keys, sqlite_driver

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


SILLOK_HOME = Path(env_str("SILLOK_HOME", "./var")).expanduser().resolve()
SILLOK_LOG_DIR = SILLOK_HOME / "logs"


def _required_secret(spec: keys.SecretSpec) -> str:
    try:
        value = keys.read_secret(spec, SILLOK_HOME)
    except keys.SecretConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    if value is None:
        raise ImproperlyConfigured(
            f"The {spec.description} is missing: set {spec.env} or run `sillok init` "
            f"to create {SILLOK_HOME / 'keys' / spec.filename}"
        )
    return value


SECRET_KEY = _required_secret(keys.SECRET_KEY)
SILLOK_SIGNING_KEY_PEM = _required_secret(keys.SIGNING_KEY)
SILLOK_MASTER_KEY = _required_secret(keys.MASTER_KEY)

DEBUG = env_bool("SILLOK_DEBUG", False)
ALLOWED_HOSTS = env_list("SILLOK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SILLOK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "sillok.core",
    "sillok.custody",
    "sillok.accounts",
    "sillok.evidence",
    "sillok.vocab",
    "sillok.records",
    "sillok.vault",
    "sillok.redaction",
    "sillok.search",
    "sillok.assessment",
    # The top layer: imports every app above, imported by none (tests/test_layering.py).
    "sillok.workspace",
    "sillok.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sillok.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends sessions replayed from another browser, idle or replaced (after messages: it says why).
    "sillok.accounts.sessions.SessionBindingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Marks web or API requests for the audit entries of refused access.
    "sillok.accounts.clearance.ClearanceChannelMiddleware",
    # A write refused by a damaged audit log answers 503 with the reason, not a server error.
    "sillok.custody.middleware.AuditLogUnusableMiddleware",
    # Last: it must see the final response to count failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sillok.urls"
WSGI_APPLICATION = "sillok.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASE_URL = os.environ.get("SILLOK_DATABASE_URL", "")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SILLOK_DATABASE_URL is not a database URL: {exc}") from exc
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("SILLOK_DATABASE_URL must be a postgres:// URL")
    if os.environ.get("SILLOK_TEST_DATABASE_NAME"):
        _db["TEST"] = {"NAME": os.environ["SILLOK_TEST_DATABASE_NAME"]}
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(os.environ.get("SILLOK_SQLITE_PATH") or SILLOK_HOME / "sillok.sqlite3"),
            # A file, not memory: tests that run `sillok` in a subprocess must see the same data.
            "TEST": {"NAME": str(SILLOK_HOME / "test.sqlite3")},
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers never deadlock on a
                # read-to-write upgrade (the audit chain relies on writers being serialised).
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                # The bundled driver's connection with the limits Django reads (core/sqlite_driver).
                **({"factory": sqlite_driver.Connection} if sqlite_driver.Connection else {}),
                # A larger page cache and memory-mapped reads: search joins its full-text
                # matches with a million index rows (measured 20-35% faster at 1M passages).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Blob store ---------------------------------------------------------------------------

# Empty: local files in SILLOK_HOME/blobs. s3://bucket[/prefix]: S3-compatible object storage,
# with SILLOK_S3_ENDPOINT_URL for a non-AWS server and the usual AWS_* credentials.
SILLOK_BLOB_URL = os.environ.get("SILLOK_BLOB_URL", "")
SILLOK_S3_ENDPOINT_URL = os.environ.get("SILLOK_S3_ENDPOINT_URL", "") or None
SILLOK_MAX_UPLOAD_BYTES = env_int("SILLOK_MAX_UPLOAD_BYTES", 20 * 1024**3)

# --- Parsing uploaded files (sillok/evidence/sandbox.py) -----------------------------------

# Intake checks and derivers parse files in a child process with these limits per file.
SILLOK_PARSE_IN_SUBPROCESS = env_bool("SILLOK_PARSE_IN_SUBPROCESS", True)
# Search: above this many matching objects, the many-valued facets (violation, institution,
# victim, source type) are estimated from a sample of the matches, and shown as estimates.
SILLOK_SEARCH_FACET_EXACT_LIMIT = env_int("SILLOK_SEARCH_FACET_EXACT_LIMIT", 10_000)
SILLOK_PARSE_MEMORY_MB = env_int("SILLOK_PARSE_MEMORY_MB", 2048)
SILLOK_PARSE_SECONDS = env_int("SILLOK_PARSE_SECONDS", 600)
SILLOK_PARSE_OUTPUT_MB = env_int("SILLOK_PARSE_OUTPUT_MB", 4096)
# Derivers whose work grows with the file: OCR with the pages, transcription with the length
# of the recording (and a speech model in memory).
SILLOK_PARSE_DERIVER_LIMITS = {
    "ocr": {"seconds": env_int("SILLOK_OCR_SECONDS", 4 * 3600)},
    "transcript": {
        "seconds": env_int("SILLOK_TRANSCRIPT_SECONDS", 8 * 3600),
        "memory_mb": env_int("SILLOK_TRANSCRIPT_MEMORY_MB", 4096),
    },
}

# --- Audit --------------------------------------------------------------------------------

# A signed checkpoint is written automatically after this many audit entries.
SILLOK_CHECKPOINT_EVERY = env_int("SILLOK_CHECKPOINT_EVERY", 1000)

# --- Fixity -------------------------------------------------------------------------------

# The worker re-hashes a random sample of this many blobs every SILLOK_FIXITY_INTERVAL_HOURS
# (0 turns the schedule off); `sillok verify` re-hashes everything on demand.
SILLOK_FIXITY_SAMPLE = env_int("SILLOK_FIXITY_SAMPLE", 1000)
SILLOK_FIXITY_INTERVAL_HOURS = env_int("SILLOK_FIXITY_INTERVAL_HOURS", 24)
# Resumable uploads untouched this long are aborted by the scheduled round.
SILLOK_UPLOAD_EXPIRY_DAYS = env_int("SILLOK_UPLOAD_EXPIRY_DAYS", 7)
# Called by `sillok worker` at start-up.
SILLOK_WORKER_STARTUP = ["sillok.evidence.fixity.ensure_fixity_scheduled"]

# --- Background jobs ----------------------------------------------------------------------

SILLOK_TASKS = env_str("SILLOK_TASKS", "database")
if SILLOK_TASKS == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif SILLOK_TASKS == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("SILLOK_TASKS must be 'database' or 'immediate'")

# --- Accounts and sessions ----------------------------------------------------------------

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("SILLOK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("SILLOK_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
# Lock the account, not the address: behind a reverse proxy every client shares one address,
# and a distributed guesser rotates addresses anyway. Hence axes.W006 is silenced.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Never keep submitted passwords or other form fields in the lockout records.
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "token"]

OTP_TOTP_ISSUER = env_str("SILLOK_TOTP_ISSUER", "Sillok")

SESSION_COOKIE_AGE = env_int("SILLOK_SESSION_SECONDS", 8 * 3600)
# Sensitive actions (vault, exports, API tokens, second factors) ask for the password again
# when the last re-authentication is older than this (accounts/reauth.py).
SILLOK_REAUTH_SECONDS = env_int("SILLOK_REAUTH_SECONDS", 300)

# Who is mailed about security alerts (denied access): "Name <addr>, other@example.org".
ADMINS = env_list("SILLOK_ADMINS", [])
SERVER_EMAIL = env_str("SILLOK_SERVER_EMAIL", "sillok@localhost")
# Where every new audit checkpoint is sent, out of this machine (custody/witness.py):
# "admins", "mailto:ADDRESS", "https://HOST/witness/checkpoints" (another Sillok), "dir:/PATH".
# Default: the administrators, when there are any.
SILLOK_CHECKPOINT_WITNESSES = env_list(
    "SILLOK_CHECKPOINT_WITNESSES", ["admins"] if ADMINS else []
)
# This instance as a witness: the key fingerprints (hex SHA-256 of the raw Ed25519 public key,
# `sillok audit checkpoint --json` shows it) whose checkpoints it accepts and keeps.
SILLOK_WITNESS_FOR = [value.lower() for value in env_list("SILLOK_WITNESS_FOR", [])]
# The SMTP relay those alerts go through.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("SILLOK_SMTP_HOST", "localhost"),
            "port": env_int("SILLOK_SMTP_PORT", 25),
            "use_tls": env_bool("SILLOK_SMTP_TLS", False),
            "timeout": 10,
        },
    }
}
# A session unused for this long ends, whatever SESSION_COOKIE_AGE allows (accounts/sessions.py).
SILLOK_SESSION_IDLE_SECONDS = env_int("SILLOK_SESSION_IDLE_SECONDS", 1800)
# Also bind a session to the client's network (/24 for IPv4, /64 for IPv6), not only to its
# browser. Off by default: mobile clients change address often.
SILLOK_SESSION_BIND_IP = env_bool("SILLOK_SESSION_BIND_IP", False)
# Signing in ends the user's other sessions.
SILLOK_SINGLE_SESSION = env_bool("SILLOK_SINGLE_SESSION", False)
# WebAuthn relying-party id (a domain); empty: the host name of each request.
SILLOK_WEBAUTHN_RP_ID = env_str("SILLOK_WEBAUTHN_RP_ID", "")
SILLOK_WEBAUTHN_RP_NAME = env_str("SILLOK_WEBAUTHN_RP_NAME", "Sillok")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Transport and browser security -------------------------------------------------------

SILLOK_HTTPS = env_bool("SILLOK_HTTPS", False)
SESSION_COOKIE_SECURE = SILLOK_HTTPS
CSRF_COOKIE_SECURE = SILLOK_HTTPS
SECURE_SSL_REDIRECT = SILLOK_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SILLOK_HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SILLOK_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Strict: nothing inline, nothing from elsewhere. Templates use a nonce where a script is
# unavoidable; front-end libraries are served from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("SILLOK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "/static/"
# Only `collectstatic` for a separate web server needs a folder; whitenoise serves from the apps.
STATIC_ROOT = os.environ.get("SILLOK_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders: `sillok serve` works without a collectstatic step.
WHITENOISE_USE_FINDERS = True

# --- Logging ------------------------------------------------------------------------------

# Request bodies and form data are never logged; django.security and axes go to the log file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "sillok.core.logfile.HomeLogFileHandler",
            "formatter": "plain",
            "filename": str(SILLOK_LOG_DIR / "sillok.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
        },
    },
    "root": {"handlers": ["console", "file"], "level": env_str("SILLOK_LOG_LEVEL", "WARNING")},
    "loggers": {
        "sillok": {"level": env_str("SILLOK_LOG_LEVEL", "INFO"), "propagate": True},
        "axes": {"level": "WARNING", "propagate": True},
    },
}
