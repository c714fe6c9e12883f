"""/langganan/: sign up (double opt-in), confirm, and unsubscribe (one click, RFC 8058)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.views import page_language

from . import signing, subscriptions
from .forms import SubscribeForm


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@page_language
def subscribe(request: HttpRequest) -> HttpResponse:
    """The form; a valid sign-up always answers the same, subscribed or not."""
    if request.method != "POST":
        form = SubscribeForm(initial={"office": request.GET.get("kantor", "")})
        return render(request, "notify/subscribe.html", {"form": form, "title": _("Subscribe")})
    form = SubscribeForm(request.POST)
    if not subscriptions.client_allowed(request.META.get("REMOTE_ADDR", "")):
        form.is_valid()
        form.add_error(None, _("Too many sign-ups from your connection. Try again later."))
        context = {"form": form, "title": _("Subscribe")}
        return render(request, "notify/subscribe.html", context, status=429)
    if not form.is_valid():
        context = {"form": form, "title": _("Subscribe")}
        return render(request, "notify/subscribe.html", context, status=400)
    data = form.cleaned_data
    subscriptions.sign_up(
        data["email"], data["office"], data["services"], request.LANGUAGE_CODE, timezone.now()
    )
    return redirect("notify:sent")


@never_cache
@page_language
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "notify/sent.html", {"title": _("Check your mail")})


@never_cache
@require_http_methods(["GET", "HEAD"])
@page_language
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link in the confirmation mail starts the subscription."""
    subscriber = signing.confirmed_subscriber(token)
    if subscriber is None or not subscriptions.confirm(subscriber, timezone.now()):
        context = {"title": _("Link not valid")}
        return render(request, "notify/link_invalid.html", context, status=400)
    context = {
        "title": _("Subscribed"),
        "subscriber": subscriber,
        "unsubscribe_url": signing.unsubscribe_url(subscriber),
    }
    return render(request, "notify/confirmed.html", context)


@never_cache
@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click"; the token is the key
@require_http_methods(["GET", "HEAD", "POST"])
@page_language
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners must not unsubscribe anyone); POST unsubscribes."""
    subscriber = signing.unsubscribing_subscriber(token)
    if subscriber is None:
        context = {"title": _("Link not valid")}
        return render(request, "notify/link_invalid.html", context, status=400)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber, timezone.now())
        context = {"title": _("Unsubscribed"), "subscriber": subscriber}
        return render(request, "notify/unsubscribed.html", context)
    context = {"title": _("Unsubscribe"), "subscriber": subscriber}
    return render(request, "notify/unsubscribe.html", context)
