"""One settings module for both modes; everything that differs comes from the environment.

Embedded mode (default): SQLite under RESONANZ_DATA_DIR, tasks in-process.
Scale-out mode: DATABASE_URL=postgres://… and BROKER_URL=redis://… (Celery workers).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from resonanz.core.keyfiles import ensure_private_dir, read_or_create_key

BASE_DIR = Path(__file__).resolve().parent

env = environ.Env()
_env_file = Path(os.environ.get("RESONANZ_ENV_FILE", ".env"))
if _env_file.is_file():
    env.read_env(str(_env_file))

DATA_DIR = Path(env.str("RESONANZ_DATA_DIR", default=str(Path.home() / ".local/share/resonanz"))).resolve()

DEBUG = env.bool("RESONANZ_DEBUG", default=False)
# The data directory holds the database, keys and uploads: readable by its owner only (0700, files 0600).
with contextlib.suppress(OSError):
    ensure_private_dir(DATA_DIR)

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
    "axes",  # login throttling: failed attempts in the database, no Redis needed
    "ninja",  # serves Swagger UI's assets locally instead of from a CDN
    "resonanz.core",
    "resonanz.workspaces",
    "resonanz.customers",
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
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "resonanz.api.language.ApiLanguageMiddleware",  # English for API clients that name no language
    "resonanz.web.middleware.HtmxErrorsMiddleware",  # sees the CSRF 403s too, so it sits before CSRF
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "resonanz.web.middleware.CurrentAgentMiddleware",  # request.agent, loaded on first use
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
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
    # No JIT compilation (decision 0885): our statements are short; a planner estimate above jit_above_cost
    # made PostgreSQL spend ~20 ms compiling a query that ran in 10. `?options=…` in DATABASE_URL overrides.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL names an unsupported database ({DATABASES['default']['ENGINE']}): "
        "use sqlite:///path or postgres://user@host/db"
    )
IS_SQLITE = DATABASES["default"]["ENGINE"] == "resonanz.core.sqlite"

# --- Secret key -----------------------------------------------------------------------------------------
# Scale-out mode: PostgreSQL or a broker, so several processes on several machines must share one key.
SCALE_OUT = not IS_SQLITE or bool(env.str("BROKER_URL", default=""))
# Where SECRET_KEY (the signing key) came from: "environment", "data directory", or "missing". With "missing" the key below is
# random for this process only (enough for migrate or shell); `resonanz run` refuses to serve with it.
SECRET_KEY = env.str("RESONANZ_SECRET_KEY", default="") or env.str("SECRET_KEY", default="")
SIGNING_KEY_SOURCE = "environment"
SIGNING_KEY_PROBLEM = ""
if not SECRET_KEY:
    from django.core.management.utils import get_random_secret_key

    if SCALE_OUT:
        SIGNING_KEY_SOURCE = "missing"
        SIGNING_KEY_PROBLEM = (
            "scale-out mode (PostgreSQL or BROKER_URL) needs RESONANZ_SECRET_KEY: the same random value "
            "(50+ characters) for every web process and worker"
        )
    else:
        # Embedded mode: a key generated once and kept in the data directory (0600).
        try:
            SECRET_KEY = read_or_create_key(DATA_DIR / "secret_key", get_random_secret_key)
            SIGNING_KEY_SOURCE = "data directory"
        except OSError as error:
            SIGNING_KEY_SOURCE = "missing"
            SIGNING_KEY_PROBLEM = (
                f"no RESONANZ_SECRET_KEY, and the key file {DATA_DIR / 'secret_key'} cannot be kept ({error})"
            )
    if SIGNING_KEY_SOURCE == "missing":
        SECRET_KEY = get_random_secret_key()

# --- Credentials at rest (resonanz.core.encryption, decision 0542) ----------------------------------------
# Fernet keys, comma-separated: the first encrypts, all decrypt. Embedded mode without them: a key file in
# the data directory, made on first use. Scale-out mode: required (`resonanz run` refuses without).
ENCRYPTION_KEYS: list[str] = env.list("RESONANZ_ENCRYPTION_KEYS", default=[])

# --- HTTPS and security headers (docs/configuration.md) -------------------------------------------------
# RESONANZ_HTTPS=true: browsers reach Resonanz over https (directly or through a TLS proxy). It turns on
# Secure cookies and HSTS; each can still be set on its own below.
HTTPS = env.bool("RESONANZ_HTTPS", default=False)
SESSION_COOKIE_SECURE = env.bool("RESONANZ_SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("RESONANZ_CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_SSL_REDIRECT = env.bool("RESONANZ_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
SECURE_HSTS_SECONDS = env.int("RESONANZ_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("RESONANZ_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("RESONANZ_HSTS_PRELOAD", default=False)
# "X-Forwarded-Proto: https": the header a TLS-terminating proxy sets (and strips from clients' requests).
_proxy_ssl_header = env.str("RESONANZ_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER: tuple[str, str] | None = None
if _proxy_ssl_header:
    _name, _sep, _value = _proxy_ssl_header.partition(":")
    if not _sep or not _name.strip() or not _value.strip() or " " in _name.strip():
        raise ImproperlyConfigured(
            f"RESONANZ_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https', not {_proxy_ssl_header!r}"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())

# Content Security Policy (django-csp 4): only our own scripts run; no inline scripts or event handlers
# (a test keeps templates free of them). Styles may be inline (style attributes, Swagger UI).
CSP_MODE = env.str("RESONANZ_CSP", default="enforce")
if CSP_MODE not in ("enforce", "report-only", "off"):
    raise ImproperlyConfigured(f"RESONANZ_CSP must be enforce, report-only or off, not {CSP_MODE!r}")
_csp_directives: dict[str, list[str] | str] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if env.str("RESONANZ_CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = env.str("RESONANZ_CSP_REPORT_URI")
if CSP_MODE == "enforce":
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
elif CSP_MODE == "report-only":
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}

# GET /healthz answers {"status": …} to anyone; the details (counts, errors, versions) need
# `Authorization: Bearer <RESONANZ_HEALTH_TOKEN>`. Without a token the details are off.
HEALTH_TOKEN = env.str("RESONANZ_HEALTH_TOKEN", default="")
# The detailed view's counts are reused for this many seconds (?fresh=1 counts now).
HEALTH_COUNTS_SECONDS = env.float("RESONANZ_HEALTH_COUNTS_SECONDS", default=10.0)

# The inbox asks for rows newer than the newest shown and for its counts this often (seconds).
INBOX_POLL_SECONDS = env.int("RESONANZ_INBOX_POLL_SECONDS", default=10)

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
# A worker's claim on events it processes (decision 0521): still open after this long, the worker died.
INGEST_CLAIM_LEASE_SECONDS = env.int("RESONANZ_INGEST_CLAIM_LEASE_SECONDS", default=600)
# An event whose worker died this many times while holding it is failed, with the reason.
INGEST_MAX_CRASHES = env.int("RESONANZ_INGEST_MAX_CRASHES", default=3)
# An event whose processing raised is retried with exponential backoff (30 s doubling up to one hour);
# failed after this many attempts (15: about nine hours, decision 0522).
INGEST_MAX_ATTEMPTS = env.int("RESONANZ_INGEST_MAX_ATTEMPTS", default=15)
# Messages per after-ingest task (annotate, route, detect incidents; decision 0833): 100 cost about 45 % less
# CPU per message than 20; lower it if annotating delays storing too long on a slow embedded machine.
AFTER_INGEST_BATCH = env.int("RESONANZ_AFTER_INGEST_BATCH", default=100)
# When the embedded worker falls behind, the after-ingest tasks waiting in its queue run together up to this
# many messages (decision 0876): 300–500 cost about a third less CPU per message than 100.
AFTER_INGEST_MERGE = env.int("RESONANZ_AFTER_INGEST_MERGE", default=400)
# A message's after-ingest task is left alone this long before the sweeper hands it out again (0524).
AFTER_INGEST_LEASE_SECONDS = env.int("RESONANZ_AFTER_INGEST_LEASE_SECONDS", default=600)

# Run once when a worker process starts (the embedded server's processes, each Celery worker process), before it
# takes work: each loads what the first messages would otherwise wait for (decision 0876). Dotted paths to
# functions without arguments; "" turns warming off (`RESONANZ_WARM_UP=`).
WARM_UP: list[str] = [
    path for path in env.list("RESONANZ_WARM_UP", default=["resonanz.understanding.pipeline.warm_up"]) if path
]

# Steps run, in this order, by one task after new messages are stored and threaded. Each is a dotted path
# to a function taking the list of new message ids. Domain apps are listed here instead of the ingest
# importing them (dependencies point inward): understanding first, then everything that reads its labels.
AFTER_INGEST_STEPS: list[str] = env.list(
    "RESONANZ_AFTER_INGEST_STEPS",
    default=[
        "resonanz.understanding.pipeline.annotate_messages",
        "resonanz.routing.pipeline.route_messages",
        "resonanz.incidents.pipeline.detect_incidents",
    ],
)
# Of those, the steps a message need not wait for to be ready (understood, routed, in the inbox): they run in a
# follow-up task (decision 0879), which the in-process worker lets wait this many seconds behind the after-ingest
# tasks sent after it, then runs merged up to this many messages.
AFTER_INGEST_BACKGROUND_STEPS: list[str] = env.list(
    "RESONANZ_AFTER_INGEST_BACKGROUND_STEPS", default=["resonanz.incidents.pipeline.detect_incidents"]
)
AFTER_INGEST_BACKGROUND_PATIENCE_SECONDS = env.float("RESONANZ_AFTER_INGEST_BACKGROUND_PATIENCE", default=3.0)
AFTER_INGEST_BACKGROUND_MERGE = env.int("RESONANZ_AFTER_INGEST_BACKGROUND_MERGE", default=2000)

# Seconds a routing worker may reuse agents' open workloads (teams and skills: 30 times as long) before
# reading them again; capacity is always checked exactly when assigning. 0: read them on every decision.
ROUTING_SNAPSHOT_SECONDS = env.float("RESONANZ_ROUTING_SNAPSHOT_SECONDS", default=2.0)
# The channel registry (decision 0810): one package per channel, each declaring itself in its `channel.py`
# (a ChannelSpec: label, configuration, URLs, tasks and pollers, outbound actions, fake platform, docs).
# A new channel is its package and one line here (docs/tutorials/writing-a-channel.md).
RESONANZ_CHANNELS = [
    "resonanz.channels.fake",
    "resonanz.channels.webhook",
    "resonanz.channels.app",
    "resonanz.channels.email",
    "resonanz.channels.feed",
    "resonanz.channels.x",
    "resonanz.channels.facebook",
    "resonanz.channels.phone",
]

# The phone channel attaches a call to the conversation routing's CTI lookup would show first.
PHONE_CONVERSATION_HINT = "resonanz.routing.cti.conversation_for_call"

# Macros' {incident_status}: dotted path to f(conversation_id, language) -> str | None (the incidents app).
INCIDENT_STATUS_PROVIDER = env.str(
    "RESONANZ_INCIDENT_STATUS_PROVIDER", default="resonanz.incidents.access.status_for_conversation"
)

# --- Requests from outside (webhooks, the app widget) ------------------------------------------------------
# The longest an app user token may still be valid when it arrives (its expiry minus now), in seconds;
# a channel account's config["max_user_token_seconds"] may lower or raise it for that channel.
APP_USER_TOKEN_MAX_SECONDS = env.int("RESONANZ_APP_USER_TOKEN_MAX_SECONDS", default=24 * 3600)
# The header a reverse proxy in front of Resonanz sets to the client's address ("X-Forwarded-For",
# "X-Real-IP"); empty (default): the TCP peer (REMOTE_ADDR) is the client. Set it only behind a proxy that
# overwrites the header, or anyone can choose their address. With a chain of proxies,
# RESONANZ_TRUSTED_PROXY_COUNT says how many entries from the right the client's address is.
TRUSTED_PROXY_HEADER = env.str("RESONANZ_TRUSTED_PROXY_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("RESONANZ_TRUSTED_PROXY_COUNT", default=1)
# The address customers' platforms reach this server at: webhook URLs in `resonanz channel add` and the
# settings pages are built on it (the browser pages use the request's host when this is unset).
PUBLIC_URL = env.str("RESONANZ_PUBLIC_URL", default="").rstrip("/")

# Mail the server itself sends (agent invitations), not the channels' mail: an SMTP relay from the env.
EMAIL_HOST = env.str("RESONANZ_EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("RESONANZ_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("RESONANZ_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("RESONANZ_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("RESONANZ_EMAIL_STARTTLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("RESONANZ_EMAIL_FROM", default="resonanz@localhost")
# How long an invitation link stays valid (Django's password-reset tokens: one use, then void).
PASSWORD_RESET_TIMEOUT = env.int("RESONANZ_INVITE_SECONDS", default=7 * 24 * 3600)

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "resonanz.workspaces.passwords.PublishedDemoPasswordValidator"},
]
# Login throttling (django-axes, decision 0501): after LOGIN_FAILURE_LIMIT failed logins of one account
# (from anywhere) or from one client address (for any account), logins are refused for the cool-off time.
AUTHENTICATION_BACKENDS = [
    "resonanz.web.login.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("RESONANZ_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("RESONANZ_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "resonanz.web.login.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "resonanz.web.login.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
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

# --- Outbound HTTP (feeds, X, Facebook: resonanz/core/http.py) -------------------------------------------
# Loopback, private, link-local and other non-public targets are refused unless the operator allows them:
# all of them, or the listed host names, addresses and networks ("127.0.0.1,10.0.0.0/8,intranet.example").
OUTBOUND_ALLOW_PRIVATE = env.bool("RESONANZ_OUTBOUND_ALLOW_PRIVATE", default=False)
OUTBOUND_ALLOWED_HOSTS: list[str] = env.list("RESONANZ_OUTBOUND_ALLOWED_HOSTS", default=[])

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
