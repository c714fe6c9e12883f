"""CI audits the dependencies with pip-audit, and says so plainly when it cannot."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_audits_the_packages_right_after_installing_them():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    install = lines.index('step "virtualenv and packages"')
    assert lines[install + 1] == "make install"
    assert lines[install + 2] == "scripts/pip-audit.sh"


def test_pip_audit_is_pinned():
    assert '"pip-audit==' in (ROOT / "pyproject.toml").read_text()


def test_an_unreachable_advisory_service_is_reported_and_does_not_fail_the_run():
    result = subprocess.run(
        [ROOT / "scripts" / "pip-audit.sh"],
        env={"PATH": "/usr/bin:/bin", "PIP_AUDIT_PROBE_URL": "http://127.0.0.1:9/nothing"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "pip-audit: NOT RUN" in result.stdout and "not reachable" in result.stdout
