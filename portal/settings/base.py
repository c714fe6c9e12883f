"""The core: keys and hosts, database, cache and Celery, polling, languages, static files."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .environment import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # the SQLite file and the secret key


DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
EMBEDDED = not DATABASE_URL

# --- Core -----------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when DATABASE_URL is set"
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
# What `check --deploy` judges a strong key (security.W009), refused outright in production.
if not EMBEDDED and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters with at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if EMBEDDED else [])
if not EMBEDDED and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DATABASE_URL is set")
if not EMBEDDED and "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's hosts, not '*'")
if not EMBEDDED and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DATABASE_URL is set (production)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The site's address: absolute URLs (v2 `page.url`, feeds) come from it, never from the
# request, whose Host may carry any port.
SITE_URL = (env_str("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.path or _site.query:
    raise ImproperlyConfigured(
        f"SITE_URL must be like https://status.example.go.id, got {SITE_URL!r}"
    )

INSTALLED_APPS = [
    "portal.apps.StaffAdminConfig",  # django.contrib.admin with the staff control-room site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "offices",
    "services",
    "portal",
]

MIDDLEWARE = [
    "portal.middleware.HeadMiddleware",  # outermost: HEAD answers carry no body
    "portal.security.ClientAddressMiddleware",
    "portal.ops.OpsMiddleware",  # request ids, request metrics, /healthz /readyz /metrics
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.prepared.PreparedReadMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write one file: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions take the write lock up front instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Cache and Celery -----------------------------------------------------------------

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sli",
            # A Redis that is down or hung must cost a request a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    # Web, worker and beat are separate processes: the cache they share is a folder.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    broker_dir = VAR_DIR / "broker"
    for sub in ("out", "processed", "control"):
        (broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(broker_dir / "out"),
        "data_folder_out": str(broker_dir / "out"),
        "data_folder_processed": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
    }

POLL_INTERVAL_SECONDS = env_float("POLL_INTERVAL_SECONDS", 10.0, minimum=0.2)
STALE_AFTER_SECONDS = env_float("STALE_AFTER_SECONDS", 3 * POLL_INTERVAL_SECONDS, minimum=0.5)
FAIL_THRESHOLD = env_int("FAIL_THRESHOLD", 2, minimum=1)
RECOVER_THRESHOLD = env_int("RECOVER_THRESHOLD", 2, minimum=1)
HEALTH_CONNECT_TIMEOUT = env_float("HEALTH_CONNECT_TIMEOUT", 2.0, minimum=0.1)
HEALTH_READ_TIMEOUT = env_float("HEALTH_READ_TIMEOUT", 5.0, minimum=0.1)
OBSERVATION_RETENTION_DAYS = env_int("OBSERVATION_RETENTION_DAYS", 14, minimum=1)
# The poll lock expires, so that a worker killed mid-poll cannot keep later polls out.
# 0 (default): the poll's budget, every distinct health URL timing out plus 30 s. Shorter
# than a poll lets two polls overlap (recompute stays exact, polling work is doubled).
POLL_LOCK_TIMEOUT_SECONDS = env_float("POLL_LOCK_TIMEOUT_SECONDS", 0.0)
# Beat asks for a poll as it starts (and once more a moment later, in case the web serving
# the embedded simulator was not listening yet), so that the first page shows real states
# rather than "cannot be confirmed" until the first interval has passed.
POLL_AT_START_SECONDS = [2.0, 5.0] if env_bool("POLL_AT_START", True) else []

# Never derived from $PORT: honcho gives every Procfile process a PORT of its own, so the
# worker's would not be the web's. `make run` passes the web's address explicitly.
PDN_HEALTH_URL = env_str("PDN_HEALTH_URL", "http://127.0.0.1:8000/simulator/pdn/health")
# Cekal reports through the PDN health document unless it gets a URL of its own (unset or
# empty, as docker-compose passes an unset variable).
CEKAL_HEALTH_URL = env_str("CEKAL_HEALTH_URL", "") or PDN_HEALTH_URL
HEALTH_URLS = {"pdn": PDN_HEALTH_URL, "cekal": CEKAL_HEALTH_URL}

SIMULATOR_ENABLED = env_bool("SIMULATOR_ENABLED", EMBEDDED)
BENCHMARK = env_bool("BENCHMARK", False)
SIMULATOR_SLOW_SECONDS = env_float("SIMULATOR_SLOW_SECONDS", 1.5)
# The "timeout" fault holds a web thread this long: past the poller's read timeout, yet
# short enough that a fault left on does not tie up the threads serving the public.
SIMULATOR_HANG_SECONDS = env_float("SIMULATOR_HANG_SECONDS", 2 * HEALTH_READ_TIMEOUT)

CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "poll-systems": {
        "task": "services.tasks.poll_systems_task",
        "schedule": POLL_INTERVAL_SECONDS,
        "options": {"expires": POLL_INTERVAL_SECONDS},
    },
    "expire-overrides": {
        "task": "services.tasks.expire_overrides_task",
        "schedule": 60.0,
    },
    "prune-observations": {
        "task": "services.tasks.prune_observations_task",
        "schedule": 3600.0,
    },
    # Offices finish their day at different hours (WIB, WITA, WIT); hourly catches each.
    "rollup-history": {
        "task": "portal.tasks.rollup_history_task",
        "schedule": 3600.0,
    },
}

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
# The visitor's choice of language (set_language) outlives the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
