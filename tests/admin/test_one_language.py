"""The admin speaks one language at a time: walking every admin page in Indonesian finds no
English model, field or choice label, and in English no Indonesian one."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from offices.models import Office, OfficeClosure, Region, ServiceGuidance
from portal.models import Advisory, AdvisoryUpdate
from services import overrides
from services.choices import ForcedState, SystemState
from services.models import Service, Stage, UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems
from tests.offices.staff import office_staff

pytestmark = pytest.mark.django_db

OUR_APPS = ("offices", "services", "portal")
# Written alike in both languages: not a sign of the other one.
SAME_IN_BOTH = {"status"}


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles or hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def labels() -> set[str]:
    """Every model, field and choice label of the portal's apps, in the active language."""
    found: set[str] = set()
    for model in (m for label in OUR_APPS for m in apps.get_app_config(label).get_models()):
        if model not in admin.site._registry:
            continue
        found |= {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name"):
                found.add(str(field.verbose_name))
            found |= {str(label) for _value, label in getattr(field, "flatchoices", ()) or ()}
    return {label for label in found if label}


def foreign_labels(language: str, other: str) -> set[str]:
    """Labels of ``other`` that differ from every label of ``language``."""
    with translation.override(language):
        own = {label.lower() for label in labels()}
    with translation.override(other):
        theirs = {label.lower() for label in labels()}
    return theirs - own - SAME_IN_BOTH


def data_words() -> list[str]:
    """Names stored in the database, which are data, not labels (office names say "Kantor")."""
    names = [*Office.objects.values_list("name", flat=True)]
    names += Region.objects.values_list("name", flat=True)
    names += UpstreamSystem.objects.values_list("name", flat=True)
    for model in (Stage, Service):
        for name_id, name_en in model.objects.values_list("name_id", "name_en"):
            names += [name_id, name_en]
    names += Advisory.objects.values_list("title_id", flat=True)
    names += Advisory.objects.values_list("title_en", flat=True)
    for text_id, text_en in ServiceGuidance.objects.values_list("text_id", "text_en"):
        names += [text_id, text_en]
    return sorted((n for n in names if n), key=len, reverse=True)


@pytest.fixture
def some_of_everything():
    """A row of each kind, so lists, filters and change pages have something to show."""
    set_systems(pdn=SystemState.DEGRADED, cekal=SystemState.DOWN)
    recompute()
    palembang = Office.objects.get(code="palembang")
    overrides.create_override(
        palembang,
        service=Service.objects.get(code="passport-express"),
        state=ForcedState.CLOSED,
        reason="Menunggu blangko",
        expires_at=timezone.now() + timedelta(days=1),
    )
    overrides.close_office(palembang, reason="Libur", starts_at=timezone.now() + timedelta(days=2))
    advisory = Advisory.objects.create(title_id="Gangguan PDN", title_en="PDN outage")
    advisory.offices.add(palembang)
    AdvisoryUpdate.objects.create(
        advisory=advisory, phase="investigating", body_id="Diselidiki", at=timezone.now()
    )
    assert OfficeClosure.objects.exists()


def admin_pages() -> list[str]:
    """The home, the audit, and each model's list, add and change pages of the portal's apps."""
    urls = [reverse("admin:index"), reverse("admin:audit")]
    urls.append(reverse("admin:quick_stage", args=["palembang", "printing", "close"]))
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in OUR_APPS:
            continue
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        first = model._default_manager.first()
        if first is not None:
            change = f"admin:{opts.app_label}_{opts.model_name}_change"
            urls.append(reverse(change, args=[first.pk]))
    return urls


def words_found(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I))


@pytest.mark.parametrize(("language", "other"), [("id", "en"), ("en", "id")])
@pytest.mark.parametrize("role", ["office", "superuser"])
def test_every_admin_page_speaks_one_language(some_of_everything, language, other, role):
    if role == "office":
        user = office_staff("staff-palembang", "palembang")
    else:
        user = User.objects.create_superuser("root", "", "x")
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    foreign = foreign_labels(language, other)
    assert len(foreign) > 50  # the walk has something to look for
    data = data_words()
    problems = {}
    for url in admin_pages():
        response = client.get(url)
        if response.status_code in (302, 403):
            continue  # not this role's page
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == language, url
        text = visible_text(response.text)
        for name in data:
            text = text.replace(name, " ")
        if found := words_found(text, foreign):
            problems[url] = found
    assert problems == {}


def test_the_language_switch_in_the_header_changes_the_admin_language():
    client = Client()
    client.force_login(office_staff("staff-palembang", "palembang"))
    assert "Yang dilihat publik sekarang" in client.get(reverse("admin:index")).text
    response = client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    assert "What the public sees now" in client.get(reverse("admin:index")).text
