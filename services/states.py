"""Every state of the domain, one table each: value, Indonesian and English label, icon, tone.

Plain Python, so the gating engine loads no Django; ``services/choices.py`` derives Django's
``TextChoices`` from these tables for models, forms and the API. The labels are what people
read on the pages and in the admin; the values are the API's vocabulary, never translated.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Icon(StrEnum):
    """A state's icon: the id of its SVG symbol on the pages, and a glyph for plain text."""

    glyph: str

    def __new__(cls, value: str, glyph: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.glyph = glyph
        return member

    OPEN = "open", "✓"
    PARTIAL = "partial", "◐"
    CLOSED = "closed", "✕"
    WAITING = "waiting", "⧗"
    HELD = "held", "…"
    UNKNOWN = "unknown", "?"
    INFO = "info", "i"
    CRITICAL = "critical", "‼"
    DRAFT = "draft", "✎"
    SCHEDULED = "scheduled", "◷"
    LIVE = "live", "●"
    ENDED = "ended", "■"


class Tone(StrEnum):
    """The colour family of a state (CSS ``t-<tone>`` on pages, ``sli-<tone>`` in the admin).

    Colour is never a state's only sign: it always comes with an icon and a word.
    """

    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    MUTED = "muted"
    NONE = "none"
    LIVE = "live"


class State(StrEnum):
    """A table of states, as netbox's ``ChoiceSet``: each row is value, labels, icon, tone."""

    _value_: str
    label_id: str
    label_en: str
    icon: Icon
    tone: Tone

    def __new__(
        cls,
        value: str,
        label_id: str,
        label_en: str,
        icon: Icon = Icon.UNKNOWN,
        tone: Tone = Tone.MUTED,
    ) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label_id, member.label_en = label_id, label_en
        member.icon, member.tone = icon, tone
        return member

    def label(self, language: str | None = None) -> str:
        """The label in ``language``: Indonesian for "id", else English (the API's default)."""
        return self.label_id if language == "id" else self.label_en

    @classmethod
    def lookup(cls, value: str) -> Self | None:
        """The state of this table with ``value``, or None when there is none."""
        return next((state for state in cls if state.value == value), None)


# --- What the engine decides ----------------------------------------------------------------


class SystemState(State):
    """The health of an upstream system (PDN, cekal)."""

    UP = "up", "Berfungsi normal", "Working normally", Icon.OPEN, Tone.OK
    DEGRADED = "degraded", "Terganggu", "Disrupted", Icon.PARTIAL, Tone.WARN
    DOWN = "down", "Tidak berfungsi", "Not working", Icon.CLOSED, Tone.BAD
    UNKNOWN = "unknown", "Status belum dapat dipastikan", "Status cannot be confirmed yet"


class StageState(State):
    """Whether one stage (interview, printing, ...) is open at an office."""

    OPEN = "open", "Buka", "Open", Icon.OPEN, Tone.OK
    CLOSED = "closed", "Tutup", "Closed", Icon.CLOSED, Tone.BAD
    UNKNOWN = "unknown", "Status belum dapat dipastikan", "Status cannot be confirmed yet"


class ServiceState(State):
    """How far a service can get at an office today."""

    OPEN = "open", "Buka", "Open", Icon.OPEN, Tone.OK
    PARTIAL = "partial", "Terbatas", "Limited", Icon.PARTIAL, Tone.WARN
    CLOSED = "closed", "Tutup", "Closed", Icon.CLOSED, Tone.BAD
    UNKNOWN = "unknown", "Status belum dapat dipastikan", "Status cannot be confirmed yet"


class VisitorState(State):
    """How a stage or a service looks to a visitor: a service state, or why a stage waits."""

    OPEN = "open", "Buka", "Open", Icon.OPEN, Tone.OK
    PARTIAL = "partial", "Terbatas", "Limited", Icon.PARTIAL, Tone.WARN
    CLOSED = "closed", "Tutup", "Closed", Icon.CLOSED, Tone.BAD
    # Closed until a central system recovers.
    WAITING = (
        "waiting",
        "Menunggu pemulihan sistem",
        "Waiting for system recovery",
        Icon.WAITING,
        Tone.WARN,
    )
    # Open itself, but the service cannot get to it today.
    HELD = "held", "Menunggu tahap lain", "Waiting for the other steps", Icon.HELD, Tone.MUTED
    UNKNOWN = "unknown", "Status belum dapat dipastikan", "Status cannot be confirmed yet"


# --- What staff and the poller decide -------------------------------------------------------


class ForcedState(State):
    """What an override forces a stage or service to."""

    OPEN = "open", "Buka", "Open", Icon.OPEN, Tone.OK
    CLOSED = "closed", "Tutup", "Closed", Icon.CLOSED, Tone.BAD


class MinimumState(State):
    """The least a stage needs of a system."""

    DEGRADED = "degraded", "Terganggu", "Degraded"
    UP = "up", "Berfungsi", "Up"


class ServiceMode(State):
    """How a service moves through its stages."""

    PROGRESSIVE = "progressive", "Bertahap (tahap demi tahap)", "Progressive (stage by stage)"
    SAME_DAY = "same_day", "Satu hari (seluruh tahap sekaligus)", "Same day (whole chain at once)"


class StateSource(State):
    """Where a system's state comes from."""

    POLLER = "poller", "Pemantau otomatis", "Poller"
    MANUAL = "manual", "Pernyataan manual", "Manual declaration"


class Cause(State):
    """Why an effective state is what it is, or why it changed (in the staff's words)."""

    SYSTEM = "system", "sistem", "System state"
    DECLARATION = "declaration", "pernyataan manual", "Manual declaration"
    OVERRIDE = "override", "penetapan staf", "Staff override"
    CLOSURE = "closure", "penutupan kantor", "Office closure"
    STALE = "stale", "data usang", "Stale data"
    SCHEDULE = "schedule", "jadwal", "Schedule"
    NONE = "", "tidak ada", "None"


class FaultMode(State):
    """How the simulated PDN misbehaves."""

    NONE = "none", "Tidak ada: menjawab normal", "None: answer normally"
    SLOW = "slow", "Lambat: menjawab setelah jeda", "Slow: answer after a delay"
    ERROR = "error", "Galat: HTTP 500", "Error: HTTP 500"
    GARBAGE = "garbage", "Rusak: isi tidak valid", "Garbage: malformed body"
    TIMEOUT = "timeout", "Habis waktu: tidak menjawab tepat waktu", "Timeout: no answer in time"


class ObservationError(State):
    """Why a health poll failed."""

    TIMEOUT = "timeout", "Habis waktu", "Timeout"
    CONNECTION = "connection", "Koneksi gagal", "Connection failed"
    HTTP = "http", "Status galat HTTP", "HTTP error status"
    MALFORMED = "malformed", "Isi tidak valid", "Malformed body"


class RecordState(State):
    """Where a staff decision (override, closure, advisory) stands, as the admin shows it."""

    DRAFT = "draft", "Draf", "Draft", Icon.DRAFT, Tone.WARN
    SCHEDULED = "scheduled", "Terjadwal", "Scheduled", Icon.SCHEDULED, Tone.WARN
    ACTIVE = "active", "Berlaku", "In force", Icon.LIVE, Tone.LIVE
    PUBLISHED = "published", "Tayang", "Published", Icon.LIVE, Tone.LIVE
    EXPIRED = "expired", "Kedaluwarsa", "Expired", Icon.ENDED, Tone.NONE
    CLEARED = "cleared", "Dicabut", "Cleared", Icon.ENDED, Tone.NONE
    ENDED = "ended", "Diakhiri", "Ended early", Icon.ENDED, Tone.NONE
    OVER = "over", "Berakhir", "Over", Icon.ENDED, Tone.NONE


# --- Advisories -------------------------------------------------------------------------------


class AdvisorySeverity(State):
    """How much an advisory matters to visitors."""

    INFO = "info", "Informasi", "Information", Icon.INFO, Tone.NONE
    MINOR = "minor", "Ringan", "Minor", Icon.PARTIAL, Tone.WARN
    MAJOR = "major", "Berat", "Major", Icon.CLOSED, Tone.BAD
    CRITICAL = "critical", "Kritis", "Critical", Icon.CRITICAL, Tone.BAD


class AdvisoryPhase(State):
    """Where an advisory's incident stands, as on Statuspage."""

    INVESTIGATING = "investigating", "Sedang diselidiki", "Investigating"
    IDENTIFIED = "identified", "Penyebab diketahui", "Identified"
    MONITORING = "monitoring", "Dalam pemantauan", "Monitoring"
    RESOLVED = "resolved", "Selesai", "Resolved"
