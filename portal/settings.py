"""Settings, read from the environment only here.

Embedded run (no ``DATABASE_URL``): SQLite under ``var/``, Celery on the filesystem broker,
local-memory cache, a secret key generated once into ``var/``. Production-like run
(``DATABASE_URL`` set): PostgreSQL, Redis when ``REDIS_URL`` is set, and every secret
must be given.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # the SQLite file and the secret key


def env_str(name: str, default: str | None = None) -> str | None:
    """Return a variable, or the content of the file named by ``<name>_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; refuse anything but the usual spellings."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Return an integer variable not below ``minimum``."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """Return a number variable not below ``minimum``."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated list of addresses or networks (CIDR); refuse anything else."""
    entries = env_list(name, default or [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list addresses or networks (e.g. 10.0.0.5,172.31.254.0/24), "
                f"got {entry!r}"
            ) from None
    return entries


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
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST framework ---------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "portal.api.negotiation.JsonNegotiation",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
    # Anonymous reads are counted per client address in each process; token reads and
    # writes per token, in the shared cache. "off" switches a limit off. The anonymous read
    # limit is generous: mobile carriers put many phones behind one address, and a cached
    # read costs little.
    "DEFAULT_THROTTLE_RATES": {
        "anon-read": env_str("API_ANON_READ_RATE", "6000/min"),
        "token-write": env_str("API_TOKEN_WRITE_RATE", "60/min"),
        "token-read": env_str("API_TOKEN_READ_RATE", "600/min"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Status Layanan Imigrasi API",
    "DESCRIPTION": (
        "Which immigration-office services are open, derived from upstream health. "
        "v1 is the portal's own API; v2 is read-only and compatible with Statuspage "
        'clients. Every error is `{"error": {"code", "message", "field"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": "/", "description": "The portal that serves this document."}],
    "TAGS": [
        {"name": "v1", "description": "The portal's own API: public reads, writes with a token."},
        {"name": "v2", "description": "Read-only, shaped like Atlassian Statuspage's public API."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["portal.api.schema.without_trailing_slashes"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SystemStateEnum": "services.choices.SystemState",
        "StageStateEnum": "services.choices.StageState",
        "ServiceStateEnum": "services.choices.ServiceState",
        "ForcedStateEnum": "services.choices.ForcedState",
        "ObservationErrorEnum": "services.choices.ObservationError",
        "StatuspageLevelEnum": "portal.api.statuspage.INDICATORS",
    },
}

# --- Security ---------------------------------------------------------------------------

# X-Forwarded-For is believed only from these proxies (addresses or networks), and then
# REMOTE_ADDR becomes the visitor's address for throttles, login limits and logs.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# /metrics is served to these addresses or networks only (the visitor's, behind a proxy).
METRICS_ALLOWED_ADDRESSES = env_networks("METRICS_ALLOWED_ADDRESSES", ["127.0.0.1", "::1"])

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes): 5 failures of one account from one client address lock that
# pair for 15 minutes. Keyed on both, so a stranger cannot lock staff out of their own
# address, and random names cannot lock an address. The address is REMOTE_ADDR, which only
# the trusted-proxy middleware may rewrite; attempts made while locked do not extend it.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 9 * 3600  # a working day: staff log in again the next morning
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Logs: one JSON object per line in production (with the request id), plain text when
# embedded; LOG_FORMAT chooses.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if EMBEDDED else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.ops.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portal.ops.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Notifications ----------------------------------------------------------------------
# E-mail subscriptions for visitors and signed webhooks for systems (the notify app).

INSTALLED_APPS += ["notify"]

# Mail: EMAIL_URL (smtp://user:password@host:587/?tls=True, or smtps:// for implicit TLS),
# else EMAIL_HOST and the other EMAIL_* settings, else every mail is written to a file
# under VAR_DIR/mail (Django's file-based backend), where a newcomer can read it.
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    import dj_email_url

    try:
        _email = dj_email_url.parse(EMAIL_URL)
    except Exception as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a mail URL: {exc}") from None
    if "EMAIL_BACKEND" not in _email:
        raise ImproperlyConfigured(
            "EMAIL_URL is not a mail URL (smtp://, smtps://, submission://, console://, "
            f"file://), got {urlsplit(EMAIL_URL).scheme or EMAIL_URL!r}"
        )
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or str(VAR_DIR / "mail")
elif env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST") or ""
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", f"Status Layanan Imigrasi <noreply@{_site.hostname}>"
)

# A change is told once it has held this long (a flap within it sends nothing).
NOTIFY_SETTLE_SECONDS = env_float("NOTIFY_SETTLE_SECONDS", 120.0)
NOTIFY_CONFIRM_MAX_AGE_SECONDS = env_int("NOTIFY_CONFIRM_MAX_AGE_SECONDS", 48 * 3600, minimum=60)
# A worker holds a notification this long; killed mid-send, the next worker takes it after.
NOTIFY_LEASE_SECONDS = env_float("NOTIFY_LEASE_SECONDS", 120.0, minimum=1.0)
NOTIFY_RETRY_BASE_SECONDS = env_float("NOTIFY_RETRY_BASE_SECONDS", 10.0, minimum=0.01)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
NOTIFY_SIGNUPS_PER_ADDRESS = env_str("NOTIFY_SIGNUPS_PER_ADDRESS", "3/h") or "3/h"
NOTIFY_SIGNUPS_PER_CLIENT = env_str("NOTIFY_SIGNUPS_PER_CLIENT", "20/h") or "20/h"
for _name, _rate in [
    ("NOTIFY_SIGNUPS_PER_ADDRESS", NOTIFY_SIGNUPS_PER_ADDRESS),
    ("NOTIFY_SIGNUPS_PER_CLIENT", NOTIFY_SIGNUPS_PER_CLIENT),
]:
    _count, _, _period = _rate.partition("/")
    if not _count.isdigit() or _period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{_name} must be like 3/h (per s, m, h or d), got {_rate!r}")
# Webhook targets on loopback, private or link-local addresses are refused, when registered
# and at each delivery, unless this is on (it is in the embedded run).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", EMBEDDED)
WEBHOOK_CONNECT_TIMEOUT = env_float("WEBHOOK_CONNECT_TIMEOUT", 3.0, minimum=0.1)
WEBHOOK_READ_TIMEOUT = env_float("WEBHOOK_READ_TIMEOUT", 10.0, minimum=0.1)

CELERY_BEAT_SCHEDULE |= {
    # Settled changes are told by the observation a new snapshot triggers, or the one
    # scheduled when a change starts to settle; this one is the safety net.
    "observe-changes": {
        "task": "notify.tasks.observe_changes_task",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # Notifications that are due and not queued, or abandoned by a killed worker.
    "dispatch-due-notifications": {
        "task": "notify.tasks.dispatch_due_notifications_task",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
}
# The deliveries' payload, in the document's webhooks section (`x-webhooks` while the
# document is OpenAPI 3.0, whose schema has no `webhooks`).
SPECTACULAR_SETTINGS["WEBHOOKS"] = ["notify.api.schema.status_changed_webhook"]
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    *SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"],
    "notify.api.schema.webhooks_for_openapi_30",
    "portal.api.schema.finish",
]

# Staff admin
# The admin shows times in the staff member's office time zone (after authentication;
# django-axes stays last).
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "portal.admin_views.StaffTimeZoneMiddleware"
)

# Citizen pages
# Beat asks for a poll as it starts (and once more a moment later, in case the web serving
# the embedded simulator was not listening yet), so that the first page shows real states
# rather than "cannot be confirmed" until the first interval has passed.
POLL_AT_START_SECONDS = [2.0, 5.0] if env_bool("POLL_AT_START", True) else []
# Passwords set in the admin (a staff member's own, or one reset for an office account)
# must not be short, common, all digits or like the account's name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
