"""Presentation helpers of the pages: WIB dates in both languages, state words, content versions."""

from __future__ import annotations

import ast
import copy
import gettext
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.prepared import content_version
from portal.templatetags.portal_tags import (
    datetime_pattern,
    format_clock,
    format_datetime,
    format_day,
    join_words,
    sentence_case,
    state_word,
    system_label,
)

WIB = ZoneInfo("Asia/Jakarta")
REOPENING = datetime(2024, 6, 21, 8, 0, tzinfo=WIB)


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("id", REOPENING, "Jumat, 21 Juni 2024 pukul 08.00 WIB"),
        ("en", REOPENING, "Friday, 21 June 2024 at 08:00 WIB"),
        ("id", datetime(2024, 6, 20, 1, 5, tzinfo=UTC), "Kamis, 20 Juni 2024 pukul 08.05 WIB"),
        ("id", "2024-06-23T09:30:00+07:00", "Minggu, 23 Juni 2024 pukul 09.30 WIB"),
        ("id", "2024-07-01T00:00:00+00:00", "Senin, 1 Juli 2024 pukul 07.00 WIB"),
        ("id", None, ""),
        ("id", "not a date", ""),
    ],
)
def test_moments_are_written_in_wib_indonesian_style(lang, value, expected):
    with translation.override(lang):
        assert format_datetime(value) == expected


def test_days_and_clock_times_follow_the_language():
    with translation.override("id"):
        assert format_day(date(2024, 6, 22)) == "Sabtu, 22 Juni 2024"
        assert format_clock(time(16, 30)) == "16.30"
    with translation.override("en"):
        assert format_day(date(2024, 6, 22)) == "Saturday, 22 June 2024"
        assert format_clock(time(16, 30)) == "16:30"


@pytest.mark.parametrize(
    ("lang", "pattern"),
    [
        ("id", "{weekday}, {day} {month} {year} pukul {hour}.{minute} WIB"),
        ("en", "{weekday}, {day} {month} {year} at {hour}:{minute} WIB"),
    ],
)
def test_the_script_gets_the_same_shape_of_moment(lang, pattern):
    with translation.override(lang):
        assert datetime_pattern() == pattern


def test_wib_filter_in_a_template():
    template = Template("{% load portal_tags %}{{ moment|wib }}")
    with translation.override("id"):
        assert template.render(Context({"moment": REOPENING})) == (
            "Jumat, 21 Juni 2024 pukul 08.00 WIB"
        )


@pytest.mark.parametrize(
    ("state", "indonesian", "english", "icon"),
    [
        ("open", "Buka", "Open", "open"),
        ("partial", "Terbatas", "Limited", "partial"),
        ("closed", "Tutup", "Closed", "closed"),
        ("waiting", "Menunggu pemulihan sistem", "Waiting for system recovery", "waiting"),
        ("unknown", "Status belum dapat dipastikan", "Status cannot be confirmed yet", "unknown"),
        ("held", "Menunggu tahap lain", "Waiting for the other steps", "held"),
        ("nonsense", "Status belum dapat dipastikan", "Status cannot be confirmed yet", "unknown"),
    ],
)
def test_every_state_has_a_word_and_an_icon(state, indonesian, english, icon):
    template = Template("{% load portal_tags %}{% badge state %}")
    for lang, word in (("id", indonesian), ("en", english)):
        with translation.override(lang):
            html = template.render(Context({"state": state}))
            assert html.endswith(f"</svg>{word}</span>")
            assert f'href="#ic-{icon}"' in html


@pytest.mark.parametrize(
    ("state", "indonesian"),
    [
        ("up", "Berfungsi normal"),
        ("degraded", "Terganggu"),
        ("down", "Tidak berfungsi"),
        ("unknown", "Status belum dapat dipastikan"),
    ],
)
def test_every_system_state_has_a_word(state, indonesian):
    with translation.override("id"):
        assert state_word(state, "system") == indonesian


@pytest.mark.parametrize(
    ("lang", "words", "joined"),
    [
        ("id", ["pemeriksaan cekal"], "pemeriksaan cekal"),
        ("id", ["a", "b", "c"], "a, b dan c"),
        ("en", ["PDN", "sistem cekal"], "PDN and sistem cekal"),
    ],
)
def test_lists_are_joined_in_the_language(lang, words, joined):
    with translation.override(lang):
        assert join_words(words) == joined


def test_names_are_lowered_inside_sentences_but_acronyms_are_kept():
    assert sentence_case("Pencetakan paspor") == "pencetakan paspor"
    assert sentence_case("PDN") == "PDN"
    assert system_label("Sistem cekal (cegah tangkal)") == "sistem cekal"


# --- Fingerprints (portal.js computes the same) ---------------------------------------------

DOCUMENT = {
    "generated_at": "2024-06-21T08:00:00+07:00",
    "stale": False,
    "systems": [{"code": "pdn", "state": "degraded"}, {"code": "cekal", "state": "down"}],
    "offices": [
        {
            "code": "palembang",
            "stages": [
                {"code": "interview", "state": "open", "reason": "", "since": None},
                {"code": "printing", "state": "closed", "reason": "Menunggu", "since": "x"},
            ],
            "services": [
                {
                    "code": "passport-regular",
                    "state": "partial",
                    "available_stages": ["interview"],
                    "reason": "Pencetakan — menunggu",
                }
            ],
        }
    ],
    "advisories": [{"id": 3, "phase": "monitoring", "updated_at": "2024-06-21T09:00:00+07:00"}],
}


def test_content_version_ignores_the_times_of_the_last_poll():
    later = copy.deepcopy(DOCUMENT)
    later["generated_at"] = "2024-06-21T08:00:10+07:00"
    later["systems"][0]["checked_at"] = "2024-06-21T08:00:10+07:00"
    assert content_version(later) == content_version(DOCUMENT)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(stale=True),
        lambda d: d["systems"][1].update(state="up"),
        lambda d: d["offices"][0]["stages"][1].update(state="open"),
        lambda d: d["offices"][0]["stages"][1].update(reason="Ditutup"),
        lambda d: d["offices"][0]["services"][0]["available_stages"].append("printing"),
        lambda d: d["advisories"][0].update(updated_at="2024-06-21T10:00:00+07:00"),
        lambda d: d["advisories"].clear(),
    ],
)
def test_content_version_changes_with_what_the_page_shows(change):
    changed = copy.deepcopy(DOCUMENT)
    change(changed)
    assert content_version(changed) != content_version(DOCUMENT)


# --- Catalogs -------------------------------------------------------------------------------

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def po_entries(path: Path) -> dict[str, str]:
    """msgid (with its context, as gettext keys it) → msgstr of a .po file's entries."""
    entries: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
                current, _, rest = line.partition(" ")
                fields[current] = ast.literal_eval(rest)
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            key = fields["msgid"]
            if "msgctxt" in fields:
                key = f"{fields['msgctxt']}\x04{key}"
            entries[key] = fields.get("msgstr", fields.get("msgstr[0]", ""))
    return entries


def test_every_indonesian_message_is_translated():
    entries = po_entries(LOCALE / "id" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    assert [msgid for msgid, text in entries.items() if not text] == []
    assert "fuzzy" not in (LOCALE / "id" / "LC_MESSAGES" / "django.po").read_text()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compiled_catalogs_match_their_sources(lang):
    folder = LOCALE / lang / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, text in po_entries(folder / "django.po").items():
        if text and "\x04" not in msgid:
            assert compiled.gettext(msgid) == text, msgid


def test_content_version_keeps_text_that_reads_like_a_time_of_the_last_poll():
    """Only keys are cut: an advisory whose text quotes one still changes the version."""
    quoting = copy.deepcopy(DOCUMENT)
    quoting["advisories"][0]["title"] = 'Field "checked_at":"2024-06-21" is late'
    changed = copy.deepcopy(quoting)
    changed["advisories"][0]["title"] = 'Field "checked_at":"2024-06-22" is late'
    assert content_version(changed) != content_version(quoting) != content_version(DOCUMENT)


def test_content_version_ignores_only_the_pages_updated_at():
    page = {"page": {"id": "p", "name": "Status {x}", "updated_at": "2024-06-21T08:00:00+07:00"}}
    incident = {"incidents": [{"id": "1", "updated_at": "2024-06-21T08:00:00+07:00"}]}
    document = {**page, **incident}
    polled = copy.deepcopy(document)
    polled["page"]["updated_at"] = "2024-06-21T08:00:10+07:00"
    updated = copy.deepcopy(document)
    updated["incidents"][0]["updated_at"] = "2024-06-21T09:00:00+07:00"
    assert content_version(polled) == content_version(document) != content_version(updated)
