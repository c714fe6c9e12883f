"""The API and its schema, security (proxies, logins, cookies, HTTPS), logs, the staff admin."""

from __future__ import annotations

import os
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from .base import EMBEDDED, MIDDLEWARE
from .environment import env_bool, env_int, env_networks, env_str

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
    "OAS_VERSION": "3.1.0",
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

# Django's defaults already send nosniff, Referrer-Policy same-origin, X-Frame-Options DENY,
# and HttpOnly, SameSite=Lax session and CSRF cookies.
SESSION_COOKIE_AGE = 9 * 3600  # a working day: staff log in again the next morning
LANGUAGE_COOKIE_HTTPONLY = True  # no script reads it
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

# --- Staff admin ------------------------------------------------------------------------

# The admin shows times in the staff member's office time zone (after authentication;
# django-axes stays last).
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "portal.admin_views.StaffTimeZoneMiddleware"
)
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
