"""Atom feeds: advisories (with their updates), and status changes per office.

Pages link to them with ``<link rel="alternate" type="application/atom+xml">``. Like the
API, feeds answer ``?lang=id|en`` (else Accept-Language) and conditional requests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html
from django.utils.http import parse_http_date_safe, urlencode
from django.utils.translation import gettext as _

from offices.models import Office
from services.choices import ServiceState
from services.models import StatusEvent
from services.snapshot import published

from .api.errors import error_response
from .api.views import advisory_modified, event_reason, recent_advisories
from .models import Advisory
from .prepared import LANGS, VARY, Prepared, api_language, preflight, respond
from .status import localized
from .templatetags.portal_tags import choice_label

FEED_LENGTH = 50


def link_to(name: str, *args) -> str:
    """A page of the portal, absolute at SITE_URL, never the request's Host."""
    return settings.SITE_URL + reverse(name, args=args)


class StableAtomFeed(Atom1Feed):
    """Atom whose feed-level ``updated`` is its newest entry's, and for a feed with no entry
    the day the portal's records begin (Django's default, the moment of the request, would
    change the feed and its ETag on every read)."""

    RECORDS_BEGIN = datetime(2024, 6, 20, tzinfo=UTC)

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else self.RECORDS_BEGIN


class PortalFeed(Feed):
    """An Atom feed in the requested language, served like any public read.

    Valid per RFC 4287 and the W3C feed validator: the feed names its author (which every
    entry inherits), every entry has ``updated``, and the ``self`` link is the address
    the feed was fetched at, ``?lang=`` included.
    """

    feed_type = StableAtomFeed
    csrf_exempt = True  # a read: a POST gets the API's 405, not a CSRF page

    def author_name(self) -> str:
        return _("Immigration service status")

    def author_link(self) -> str:
        return link_to("overview")

    def get_feed(self, obj, request: HttpRequest):
        feed = super().get_feed(obj, request)
        lang = request.GET.get("lang")
        if lang:
            feed.feed["feed_url"] += "?" + urlencode({"lang": lang})
        return feed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return preflight(HttpResponse())
        if request.method not in ("GET", "HEAD"):
            response = error_response(405, "method_not_allowed", "Feeds are read with GET.")
            response["Allow"] = "GET, HEAD, OPTIONS"
            return response
        lang = api_language(request)
        if lang is None:
            return error_response(
                400, "invalid_parameter", f"lang must be one of {', '.join(LANGS)}", "lang"
            )
        with translation.override(lang):
            response = super().__call__(request, *args, **kwargs)
        modified = parse_http_date_safe(response.get("Last-Modified", ""))
        entry = Prepared.of(
            response.content,
            content_type=response["Content-Type"],
            language=lang,
            vary=VARY["api"],
            last_modified=datetime.fromtimestamp(modified, tz=UTC) if modified else None,
        )
        return respond(request, entry)


class AdvisoryFeed(PortalFeed):
    """Advisories in force and recent ones; an entry is updated with each advisory update."""

    def title(self) -> str:
        return _("Immigration service advisories")

    def subtitle(self) -> str:
        return _("Notices about immigration office services during system outages.")

    def link(self) -> str:
        return link_to("overview")

    def feed_url(self) -> str:
        return link_to("feed-advisories")

    def items(self) -> list[Advisory]:
        return list(recent_advisories(timezone.now())[:FEED_LENGTH])

    def item_title(self, item: Advisory) -> str:
        return localized((item.title_id, item.title_en))

    def item_description(self, item: Advisory) -> str:
        updates = "".join(
            format_html(
                "<li><strong>{}</strong> ({}): {}</li>",
                u.get_phase_display(),
                timezone.localtime(u.at).strftime("%d-%m-%Y %H.%M WIB"),
                localized((u.body_id, u.body_en)),
            )
            for u in item.updates.all()
        )
        body = format_html("<p>{}</p>", localized((item.body_id, item.body_en)))
        return body + (f"<ul>{updates}</ul>" if updates else "")

    def item_link(self, item: Advisory) -> str:
        return link_to("advisory", item.pk)

    def item_pubdate(self, item: Advisory):
        return item.published_at

    def item_updateddate(self, item: Advisory):
        return advisory_modified(item)

    def item_categories(self, item: Advisory) -> list[str]:
        return [item.severity, item.phase, *(o.code for o in item.offices.all())]


class OfficeStatusFeed(PortalFeed):
    """Every change of a stage's or service's state at one office, newest first."""

    def get_object(self, request: HttpRequest, code: str) -> Office:
        return get_object_or_404(Office, code=code)

    def title(self, obj: Office) -> str:
        return _("Service status changes: %(office)s") % {"office": obj.name}

    def link(self, obj: Office) -> str:
        return link_to("office", obj.code)

    def feed_url(self, obj: Office) -> str:
        return link_to("feed-office", obj.code)

    def items(self, obj: Office) -> list[StatusEvent]:
        events = StatusEvent.objects.filter(office=obj).select_related("office", "stage", "service")
        return list(events[:FEED_LENGTH])

    def item_title(self, item: StatusEvent) -> str:
        subject = item.stage or item.service
        name = localized((subject.name_id, subject.name_en)) if subject else item.office.name
        return f"{name}: {state_word(item.old_state)} → {state_word(item.new_state)}"

    def item_description(self, item: StatusEvent) -> str:
        return escape(event_reason(item, published().system_names))

    def item_link(self, item: StatusEvent) -> str:
        return link_to("office", item.office.code)

    def item_guid(self, item: StatusEvent) -> str:
        return f"urn:layanan-imigrasi:status-event:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: StatusEvent):
        return item.at

    def item_updateddate(self, item: StatusEvent):
        return item.at  # an event never changes once recorded

    def item_categories(self, item: StatusEvent) -> list[str]:
        return [item.cause, item.new_state or "unlisted"]


def state_word(state: str) -> str:
    """The public word for a state ("—" when it was or is no longer listed)."""
    return choice_label(ServiceState, state) if state else "—"


urlpatterns = [
    path("advisories.atom", AdvisoryFeed(), name="feed-advisories"),
    path("offices/<slug:code>.atom", OfficeStatusFeed(), name="feed-office"),
]
