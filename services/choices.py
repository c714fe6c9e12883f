"""States and codes of the domain; the API's vocabulary, never translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SystemState(models.TextChoices):
    UP = "up", _("Up")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")
    UNKNOWN = "unknown", _("Unknown")


class StageState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    UNKNOWN = "unknown", _("Unknown")


class ServiceState(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIAL = "partial", _("Partial")
    CLOSED = "closed", _("Closed")
    UNKNOWN = "unknown", _("Unknown")


class ForcedState(models.TextChoices):
    """What an override forces a stage or service to."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MinimumState(models.TextChoices):
    """The least a stage needs of a system."""

    DEGRADED = "degraded", _("Degraded")
    UP = "up", _("Up")


class ServiceMode(models.TextChoices):
    PROGRESSIVE = "progressive", _("Progressive (stage by stage)")
    SAME_DAY = "same_day", _("Same day (whole chain at once)")


class StateSource(models.TextChoices):
    POLLER = "poller", _("Poller")
    MANUAL = "manual", _("Manual declaration")


class Cause(models.TextChoices):
    """Why an effective state is what it is, or why it changed."""

    SYSTEM = "system", _("System state")
    DECLARATION = "declaration", _("Manual declaration")
    OVERRIDE = "override", _("Staff override")
    CLOSURE = "closure", _("Office closure")
    STALE = "stale", _("Stale data")
    SCHEDULE = "schedule", _("Schedule")
    NONE = "", _("None")


class FaultMode(models.TextChoices):
    """How the simulated PDN misbehaves."""

    NONE = "none", _("None: answer normally")
    SLOW = "slow", _("Slow: answer after a delay")
    ERROR = "error", _("Error: HTTP 500")
    GARBAGE = "garbage", _("Garbage: malformed body")
    TIMEOUT = "timeout", _("Timeout: no answer in time")


class ObservationError(models.TextChoices):
    """Why a health poll failed."""

    TIMEOUT = "timeout", _("Timeout")
    CONNECTION = "connection", _("Connection failed")
    HTTP = "http", _("HTTP error status")
    MALFORMED = "malformed", _("Malformed body")
