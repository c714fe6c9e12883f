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
