"""The states tables: plain Python for the engine, one source for Django's choices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from portal import choices as portal_choices
from services import choices, states
from services.admin import state_badge

ROOT = Path(__file__).resolve().parents[2]
# Every table with Django choices (VisitorState is for pages only), and where they are.
TABLES = [
    (choices, states.SystemState),
    (choices, states.StageState),
    (choices, states.ServiceState),
    (choices, states.ForcedState),
    (choices, states.MinimumState),
    (choices, states.ServiceMode),
    (choices, states.StateSource),
    (choices, states.Cause),
    (choices, states.FaultMode),
    (choices, states.ObservationError),
    (portal_choices, states.AdvisorySeverity),
    (portal_choices, states.AdvisoryPhase),
]


def test_importing_the_gating_engine_loads_no_django():
    code = (
        "import sys, services.gating; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


@pytest.mark.parametrize(("module", "table"), TABLES, ids=[t.__name__ for _, t in TABLES])
def test_django_choices_have_the_tables_values_and_labels(module, table):
    derived = getattr(module, table.__name__)
    assert derived.__module__ == module.__name__
    assert derived.values == [state.value for state in table]
    for lang in ("id", "en"):
        with translation.override(lang):
            assert [str(label) for label in derived.labels] == [s.label(lang) for s in table]


def test_every_state_a_visitor_sees_has_an_icon_and_a_tone():
    for table in (states.SystemState, states.ServiceState, states.VisitorState):
        assert all(s.label_id and s.label_en and s.icon and s.tone for s in table)


def test_a_value_in_several_tables_reads_the_same_everywhere():
    seen: dict[str, states.State] = {}
    for table in (states.VisitorState, states.ServiceState, states.StageState):
        for state in table:
            first = seen.setdefault(state.value, state)
            assert (state.label_id, state.label_en, state.icon, state.tone) == (
                first.label_id,
                first.label_en,
                first.icon,
                first.tone,
            )


def test_lookup_finds_a_state_or_none():
    assert states.SystemState.lookup("down") is states.SystemState.DOWN
    assert states.SystemState.lookup("partial") is None


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ("open", ("ok", "✓", "Buka")),
        ("partial", ("warn", "◐", "Terbatas")),
        ("down", ("bad", "✕", "Tidak berfungsi")),
        ("unknown", ("muted", "?", "Status belum dapat dipastikan")),
        ("", ("none", "–", "—")),
        ("odd", ("muted", "?", "odd")),
    ],
)
def test_admin_badges_show_the_tables_icon_word_and_tone(state, shown):
    tone, glyph, word = shown
    with translation.override("id"):  # the words below are the Indonesian admin's
        html = state_badge(state)
    assert f'sli-{tone}"><span aria-hidden="true">{glyph}</span> {word}</span>' in html
