#!/usr/bin/env bash
# Audit the installed dependencies with pip-audit (pinned in pyproject.toml) against PyPI's
# advisories. pip-audit reports a package it cannot look up as "not found" and still exits
# 0, so first ask PyPI for a release known to have advisories: when none come back (no
# internet, or a mirror without the advisory data), say plainly that nothing was audited,
# and succeed: an unreachable service is not a finding. When they do, any known
# vulnerability, or any package that could not be audited, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
probe="${PIP_AUDIT_PROBE_URL:-https://pypi.org/pypi/django/4.2/json}"
if ! .venv/bin/python - "$probe" <<'PY'
import json
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
        sys.exit(0 if json.load(response).get("vulnerabilities") else 1)
except Exception:
    sys.exit(1)
PY
then
  echo "pip-audit: NOT RUN: PyPI's advisory service is not reachable from this machine"
  echo "           (no advisories at $probe). Run scripts/pip-audit.sh where it is."
  exit 0
fi
exec .venv/bin/pip-audit --strict --skip-editable --progress-spinner off
