"""Deployment checks of the notifications' settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def mail_is_sent(app_configs, **kwargs) -> list[Warning]:
    """Production mail must leave the machine: files under var/mail reach no subscriber."""
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return [
            Warning(
                "Mail is written to files under VAR_DIR/mail, not sent.",
                hint="Set EMAIL_URL (or EMAIL_HOST and the other EMAIL_* settings).",
                id="notify.W001",
            )
        ]
    return []
