"""One settings module for both modes; everything that differs comes from the environment.

Embedded mode (default): SQLite under RESONANZ_DATA_DIR, tasks in-process.
Scale-out mode: DATABASE_URL=postgres://… and BROKER_URL=redis://… (Celery workers).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent

env = environ.Env()
_env_file = Path(os.environ.get("RESONANZ_ENV_FILE", ".env"))
if _env_file.is_file():
    env.read_env(str(_env_file))

DATA_DIR = Path(env.str("RESONANZ_DATA_DIR", default=str(Path.home() / ".local/share/resonanz"))).resolve()

DEBUG = env.bool("RESONANZ_DEBUG", default=False)
SECRET_KEY = env.str("RESONANZ_SECRET_KEY", default="")
if not SECRET_KEY:
    # Embedded mode: a key generated once and kept in the data directory.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.is_file():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY = get_random_secret_key()
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(SECRET_KEY)
            _key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env.list("RESONANZ_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("RESONANZ_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI's assets locally instead of from a CDN
    "resonanz.core",
    "resonanz.workspaces",
    "resonanz.contacts",
    "resonanz.channels",
    "resonanz.conversations",
    "resonanz.understanding",
    "resonanz.routing",
    "resonanz.knowledge",
    "resonanz.community",
    "resonanz.incidents",
    "resonanz.analytics",
    "resonanz.api",
    "resonanz.web",
    "resonanz.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "resonanz.urls"
WSGI_APPLICATION = "resonanz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
_sqlite_path = DATA_DIR / "resonanz.sqlite3"
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{_sqlite_path}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with write transactions queued on a file lock (decision 0011).
    DATABASES["default"]["ENGINE"] = "resonanz.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web threads read while the worker writes; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue on busy_timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=30000;"
            "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] in (
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
):
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL names an unsupported database ({DATABASES['default']['ENGINE']}): "
        "use sqlite:///path or postgres://user@host/db"
    )
IS_SQLITE = DATABASES["default"]["ENGINE"] == "resonanz.core.sqlite"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Queue ----------------------------------------------------------------------------------------------
# "inprocess": a worker thread in this process (embedded mode). "celery": BROKER_URL workers (scale-out).
# "eager": run right after the transaction commits, in the caller's thread (tests, CLI one-shots).
BROKER_URL = env.str("BROKER_URL", default="")
QUEUE_BACKEND = env.str("RESONANZ_QUEUE", default="celery" if BROKER_URL else "inprocess")
if QUEUE_BACKEND not in ("inprocess", "celery", "eager"):
    raise ImproperlyConfigured(f"RESONANZ_QUEUE must be inprocess, celery or eager, not {QUEUE_BACKEND!r}")
if QUEUE_BACKEND == "celery" and not BROKER_URL:
    raise ImproperlyConfigured("RESONANZ_QUEUE=celery needs BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
# Events still pending after this many seconds are handed to the queue again by the sweeper.
SWEEP_AFTER_SECONDS = env.int("RESONANZ_SWEEP_AFTER_SECONDS", default=60)
SWEEP_EVERY_SECONDS = env.int("RESONANZ_SWEEP_EVERY_SECONDS", default=30)
# Pending events a full processing batch takes along under a backlog (decision 0010). PostgreSQL only by
# default: on SQLite one writer at a time, and a longer processing transaction holds the web's accepts.
INGEST_TAKE_ALONG = env.int("RESONANZ_INGEST_TAKE_ALONG", default=0 if IS_SQLITE else 300)

# Steps run, in this order, by one task after new messages are stored and threaded. Each is a dotted path
# to a function taking the list of new message ids. Domain apps are listed here instead of the ingest
# importing them (dependencies point inward): understanding first, then everything that reads its labels.
AFTER_INGEST_STEPS: list[str] = env.list(
    "RESONANZ_AFTER_INGEST_STEPS",
    default=[
        "resonanz.understanding.pipeline.annotate_messages",
        "resonanz.routing.pipeline.route_messages",
    ],
)

# Seconds a routing worker may reuse agents' open workloads (teams and skills: 30 times as long) before
# reading them again; capacity is always checked exactly when assigning. 0: read them on every decision.
ROUTING_SNAPSHOT_SECONDS = env.float("RESONANZ_ROUTING_SNAPSHOT_SECONDS", default=2.0)
# Macros' {incident_status}: dotted path to f(conversation_id, language) -> str | None (the incidents app).
INCIDENT_STATUS_PROVIDER = env.str("RESONANZ_INCIDENT_STATUS_PROVIDER", default="")

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- i18n -----------------------------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("RESONANZ_TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders; the folder must exist
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("RESONANZ_MAX_REQUEST_BYTES", default=10 * 1024 * 1024)

# --- Logging --------------------------------------------------------------------------------------------
LOG_LEVEL = env.str("RESONANZ_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"event": {"()": "resonanz.core.logging.EventFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "event"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "resonanz": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- Celery (scale-out mode only) -----------------------------------------------------------------------
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "resonanz"

NINJA_PAGINATION_PER_PAGE = 50

# Where customers reach this installation (https://hilfe.example.de): links to public help articles in
# replies are absolute only when it is set.
PUBLIC_URL = env.str("RESONANZ_PUBLIC_URL", default="").rstrip("/")
