"""Choices for advisories."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdvisorySeverity(models.TextChoices):
    INFO = "info", _("Information")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class AdvisoryPhase(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
