"""Choices for the offices app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeClass(models.TextChoices):
    """Class of a Kantor Imigrasi (Kanim)."""

    I_KHUSUS = "i-khusus", _("Kelas I Khusus")
    I = "i", _("Kelas I")  # noqa: E741
    II = "ii", _("Kelas II")
    III = "iii", _("Kelas III")


class TimeZone(models.TextChoices):
    """Indonesia's three time zones: an office's hours are in its own."""

    WIB = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    WITA = "Asia/Makassar", _("WITA (Asia/Makassar)")
    WIT = "Asia/Jayapura", _("WIT (Asia/Jayapura)")


class GuidanceState(models.TextChoices):
    """How far a service gets at an office today, as its guidance text is chosen by.

    The values are the service states of the status API (``open``, ``partial``, ``closed``,
    ``unknown``): ``offices`` imports nothing from ``services``, so they are named here.
    """

    OPEN = "open", _("Open")
    PARTIAL = "partial", _("Limited")
    CLOSED = "closed", _("Closed")
    UNKNOWN = "unknown", _("Status cannot be confirmed yet")
