"""The mails: a confirmation, and the notification of settled changes at an office."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from offices.models import Office
from portal.models import Advisory
from portal.presentation import service_card, systems_phrase
from portal.status import localized
from services.snapshot import Published
from services.states import ServiceState, StageState

from . import signing
from .choices import AdvisoryPresence, ChangeKind, OfficeOpenness
from .models import Notification, Subscriber

Change = dict[str, Any]


def render_change_mail(
    office: Office, changes: list[Change], chosen: tuple[str, ...], bundle: Published, lang: str
) -> dict[str, str] | None:
    """Subject and body of the mail telling ``changes`` (in ``lang``), or None when none of
    them has words for a visitor."""
    with translation.override(lang):
        lines = [line for change in changes if (line := change_line(change, bundle))]
        if not lines:
            return None
        context = {
            "office": office,
            "lines": lines,
            "today": today_sentences(office.code, chosen, bundle),
            "office_url": settings.SITE_URL + reverse("office", args=[office.code]),
        }
        return {
            "kind": "change",
            "subject": _("%(office)s: service status changed") % {"office": office.name},
            "body": render_to_string("notify/mail/change.txt", context),
        }


def change_line(change: Change, bundle: Published) -> str:
    """One change in words, in the active language."""
    kind, state = change["kind"], change["state"]
    if kind == ChangeKind.OFFICE:
        if state == OfficeOpenness.CLOSED:
            return _("The office is closed.")
        return _("The office has reopened.")
    if kind == ChangeKind.ADVISORY:
        advisory = Advisory.objects.filter(pk=change["code"]).first()
        if advisory is None:
            return ""
        title = localized((advisory.title_id, advisory.title_en))
        if state == AdvisoryPresence.PUBLISHED:
            return _("New advisory: %(title)s") % {"title": title}
        return _("Advisory ended: %(title)s") % {"title": title}
    names = bundle.stage_names if kind == ChangeKind.STAGE else bundle.service_names
    name = localized(names.get(change["code"], (change["code"], change["code"])))
    table = StageState if kind == ChangeKind.STAGE else ServiceState
    line = _("%(name)s: %(old)s → %(new)s") % {
        "name": name,
        "old": state_word(table, change["old_state"]),
        "new": state_word(table, state),
    }
    if change["waiting_for"]:
        line += " " + _("(waiting for %(systems)s to recover)") % {
            "systems": systems_phrase(change["waiting_for"], bundle)
        }
    elif change["reason"]:
        line += f" ({change['reason']})"
    return line


def state_word(table: type[StageState] | type[ServiceState], value: str) -> str:
    found = table.lookup(value)
    if found is None:
        return "—"
    return found.label(translation.get_language())


def today_sentences(code: str, chosen: tuple[str, ...], bundle: Published) -> list[dict]:
    """What a visitor can do today at the office, per (chosen) service."""
    office = next(o for o in bundle.snapshot.offices if o.code == code)
    stages = {s.code: s for s in office.stages}
    names = {c: localized(n) for c, n in bundle.stage_names.items()}
    cards = [
        service_card(service, stages, names, bundle)
        for service in office.services
        if not chosen or service.code in chosen
    ]
    return [{"name": card.name, "sentences": card.sentences} for card in cards]


def render_confirmation(subscriber: Subscriber) -> dict[str, str]:
    """The double opt-in mail: the only one sent before the link in it is opened."""
    with translation.override(subscriber.language):
        context = {
            "office": subscriber.office,
            "confirm_url": settings.SITE_URL
            + reverse("notify:confirm", args=[signing.confirmation_token(subscriber)]),
            "hours": settings.NOTIFY_CONFIRM_MAX_AGE_SECONDS // 3600,
        }
        return {
            "kind": "confirmation",
            "subject": _("Confirm your subscription: %(office)s") % {"office": subscriber.office},
            "body": render_to_string("notify/mail/confirm.txt", context),
        }


def message(row: Notification, connection: Any = None) -> EmailMessage:
    """The mail of an outbox row, with a one-click unsubscribe (RFC 8058) when it notifies."""
    subscriber = row.subscriber
    assert subscriber is not None
    body = row.payload["body"]
    headers = {"Message-ID": f"<{row.message_id}@{signing.mail_domain()}>"}
    if row.payload.get("kind") == "change":
        url = signing.unsubscribe_url(subscriber)
        with translation.override(subscriber.language):
            body += "\n" + _("Stop these mails: %(url)s") % {"url": url} + "\n"
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return EmailMessage(
        subject=row.payload["subject"],
        body=body,
        to=[subscriber.email],
        headers=headers,
        connection=connection,
    )
