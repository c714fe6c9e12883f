"""The shape of the code: no module of the portal grows past what a reader takes in at once."""

from __future__ import annotations

from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
MAX_LINES = 400


def test_no_portal_module_is_over_400_lines():
    modules = [p for p in PORTAL.rglob("*.py") if "migrations" not in p.parts]
    assert modules
    long = {
        str(p.relative_to(PORTAL)): n
        for p in modules
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
