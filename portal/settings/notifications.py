"""E-mail subscriptions for visitors and signed webhooks for systems (the notify app)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import CELERY_BEAT_SCHEDULE, EMBEDDED, INSTALLED_APPS, VAR_DIR, _site
from .environment import env_bool, env_float, env_int, env_str
from .web import SPECTACULAR_SETTINGS

# --- Notifications ----------------------------------------------------------------------

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
# The deliveries' payload, in the OpenAPI 3.1 document's `webhooks` section.
SPECTACULAR_SETTINGS["WEBHOOKS"] = ["notify.api.schema.status_changed_webhook"]
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    *SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"],
    "portal.api.schema.finish",
]
