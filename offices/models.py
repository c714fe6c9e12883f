"""Offices, their regions, staff membership and closures."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import GuidanceState, OfficeClass, TimeZone

# Seeded by a data migration; permissions say what staff may do, memberships say where.
OFFICE_STAFF_GROUP = "Staf kantor"
REGIONAL_STAFF_GROUP = "Staf Kanwil"


WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def validate_opening_hours(value: object) -> None:
    """Refuse opening hours the history and the pages could not read, saying which day."""
    if not isinstance(value, dict):
        raise ValidationError(
            'Opening hours must be an object by weekday, e.g. {"mon": ["08:00", "16:00"]}.'
        )
    problems = []
    for key, day in value.items():
        if key not in WEEKDAY_KEYS:
            problems.append(f'"{key}" is not a weekday; use {", ".join(WEEKDAY_KEYS)}.')
        elif day not in (None, []) and not _valid_day(day):
            problems.append(
                f'{key}: give ["08:00", "16:00"] (opening before closing), a list of such '
                "pairs, or null when closed."
            )
    if problems:
        raise ValidationError(problems)


def _valid_day(day: object) -> bool:
    if not isinstance(day, list):
        return False
    pairs = [day] if all(isinstance(part, str) for part in day) else day
    return all(_valid_span(pair) for pair in pairs)


def _valid_span(pair: object) -> bool:
    if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
        return False
    try:
        start, end = (time.fromisoformat(part) for part in pair)
    except ValueError:
        return False
    return start < end


PHONE = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{5,28}$", _("Digits, spaces, brackets or dashes, e.g. 0711 123456.")
)
WHATSAPP = RegexValidator(
    r"^62[0-9]{7,13}$", _("Digits only, starting with the country code 62, e.g. 628123456789.")
)


def default_opening_hours() -> dict[str, list[str]]:
    """Mon–Thu 08.00–16.00, Fri 08.00–16.30; closed at the weekend."""
    weekday = ["08:00", "16:00"]
    return {
        "mon": weekday,
        "tue": weekday,
        "wed": weekday,
        "thu": weekday,
        "fri": ["08:00", "16:30"],
    }


class Region(models.Model):
    """A regional office (Kanwil), one per province."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegionMembership(models.Model):
    """A regional (Kanwil) staff account acts on every office of its region."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_memberships"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="unique_region_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.region.code}"


class OfficeQuerySet(models.QuerySet):
    def for_user(self, user) -> OfficeQuerySet:
        """Offices a staff account may change: all for superusers, else its memberships.

        An office membership gives that office; a region membership gives every office of
        the region, including offices added to it later.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        # A subquery rather than a join, so the result needs no DISTINCT and stays usable
        # inside other querysets' ``__in`` lookups.
        ids = Office.objects.filter(
            Q(memberships__user=user) | Q(region__memberships__user=user)
        ).values("pk")
        return self.filter(pk__in=ids)


class Office(models.Model):
    """An immigration office (Kantor Imigrasi) that serves the public."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    office_class = models.CharField(max_length=10, choices=OfficeClass.choices)
    tpi = models.BooleanField(
        default=False, help_text=_("Runs an immigration checkpoint (Tempat Pemeriksaan Imigrasi).")
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offices")
    address = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, choices=TimeZone.choices, default=TimeZone.WIB)
    opening_hours = models.JSONField(
        default=default_opening_hours,
        validators=[validate_opening_hours],
        help_text=_('Per weekday ("mon" … "sun"), a pair of local times ["08:00", "16:00"].'),
    )
    position = models.PositiveIntegerField(default=0)
    # How the public reaches the office; blank means unknown, and the page says so.
    phone = models.CharField(
        max_length=30,
        blank=True,
        validators=[PHONE],
        help_text=_('As dialled from a mobile phone, e.g. "0711 123456" or "+62 711 123456".'),
    )
    whatsapp = models.CharField(
        max_length=16,
        blank=True,
        validators=[WHATSAPP],
        help_text=_('Country code and number, digits only, e.g. "628123456789".'),
    )
    email = models.EmailField(blank=True)
    map_url = models.URLField(
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("An https:// link to the office on a map."),
    )

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class OfficeMembership(models.Model):
    """Which offices a staff account may change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_memberships"
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="unique_office_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office.code}"


class OfficeClosureQuerySet(models.QuerySet):
    def active(self, now) -> OfficeClosureQuerySet:
        """Closures in force at ``now``."""
        return self.relevant(now).filter(starts_at__lte=now)

    def relevant(self, now) -> OfficeClosureQuerySet:
        """Closures in force now or starting later (both shape the snapshot's validity)."""
        return self.filter(cleared_at__isnull=True).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class OfficeClosure(models.Model):
    """The whole office is closed for a window, whatever the systems say."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="closures")
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Ending a closure early keeps its row (and its planned window) for the audit trail.
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OfficeClosureQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="closure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office.code}: {self.reason}"


class ServiceGuidance(models.Model):
    """What to do now, for one service in one state: what to bring, whether to postpone,
    what happens to an application already started. Staff edit it; both languages."""

    service_code = models.SlugField(
        help_text=_('The service\'s code, e.g. "passport-regular".'),
    )
    state = models.CharField(max_length=10, choices=GuidanceState.choices)
    text_id = models.TextField(help_text=_("In Bahasa Indonesia."))
    text_en = models.TextField(blank=True, help_text=_("In English; blank shows the Indonesian."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_code", "state"]
        verbose_name_plural = "service guidance"
        constraints = [
            models.UniqueConstraint(fields=["service_code", "state"], name="unique_guidance")
        ]

    def __str__(self) -> str:
        return f"{self.service_code} · {self.get_state_display()}"

    def text_in(self, language: str) -> str:
        """The text in ``language``, the Indonesian one when there is no other."""
        return self.text_en if language == "en" and self.text_en else self.text_id
