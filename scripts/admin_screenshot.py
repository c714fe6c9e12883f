"""Take the README's screenshots of the staff admin: the home (live status per office) on a
desktop, and on a phone the home and a stage's quick action.

    .venv/bin/python scripts/admin_screenshot.py [--out-dir docs/screenshots]
                                                 [--port 8765] [--chromium /usr/bin/chromium]

Builds a throw-away embedded site (SQLite in a temporary folder), puts it in the partial
outage of 21 June 2024 (PDN degraded, cekal down) with Palembang keeping the express
passport closed by a staff override, serves it, and in Chromium saves the admin home as the
Kanwil account sees it (admin-home.png, 1280 px), and as Palembang's staff see it on a
phone (admin-home-phone.png, 360 px) with the quick action that closes a stage
(admin-quick-phone.png). Nothing of the developer's own database is touched.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HIDE_MODEL_LIST = """
#content-main > [class*="app-"], #content-related { display: none; }
.colMS { margin-right: 0; }
"""
SEED = """
from django.contrib.auth.models import Group, User
from offices.models import (
    OFFICE_STAFF_GROUP, REGIONAL_STAFF_GROUP, Office, OfficeMembership, Region, RegionMembership
)
from services import overrides
from services.models import Service, UpstreamSystem
from services.snapshot import recompute
from django.utils import timezone
import datetime, os

now = timezone.now()
UpstreamSystem.objects.filter(code="pdn").update(observed_state="degraded", checked_at=now)
UpstreamSystem.objects.filter(code="cekal").update(observed_state="down", checked_at=now)
recompute()
user = User.objects.create_user(
    "kanwil-sumsel", "", os.environ["SCREENSHOT_PASSWORD"], is_staff=True
)
user.groups.add(Group.objects.get(name=REGIONAL_STAFF_GROUP))
RegionMembership.objects.create(user=user, region=Region.objects.get(code="sumsel"))
staff = User.objects.create_user(
    "staff-palembang", "", os.environ["SCREENSHOT_PASSWORD"], is_staff=True
)
staff.groups.add(Group.objects.get(name=OFFICE_STAFF_GROUP))
OfficeMembership.objects.create(user=staff, office=Office.objects.get(code="palembang"))
overrides.create_override(
    Office.objects.get(code="palembang"),
    service=Service.objects.get(code="passport-express"),
    state="closed",
    reason="Paspor percepatan tetap ditutup sampai PDN pulih penuh",
    expires_at=now + datetime.timedelta(days=10),
    actor=user,
)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs/screenshots")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sli-admin-shot-") as var_dir:
        env = site_environment(var_dir)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "shell", "--command", SEED)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{args.port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{args.port}"
            wait_until_up(base)
            shoot(base, env["SCREENSHOT_PASSWORD"], args.chromium, args.out_dir)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"saved {', '.join(SHOTS)} in {args.out_dir}")
    return 0


def site_environment(var_dir: str) -> dict[str, str]:
    """An embedded site of its own: temporary SQLite, no Redis, static files from source."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="1",  # static files straight from the source folders, no collectstatic needed
        STALE_AFTER_SECONDS="86400",  # no poller runs: keep the seeded observations fresh
        SIMULATOR_ENABLED="0",
        SCREENSHOT_PASSWORD=secrets.token_urlsafe(16),
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def wait_until_up(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/admin/login/", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


SHOTS = ("admin-home.png", "admin-home-phone.png", "admin-quick-phone.png")
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}


def shoot(base: str, password: str, chromium: str, out_dir: Path) -> None:
    """Save the admin home on a desktop (Kanwil) and, on a phone, as Palembang's staff."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    home, home_phone, quick_phone = (out_dir / name for name in SHOTS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        desktop = {"viewport": {"width": 1280, "height": 800}}
        page = log_in(browser, base, "kanwil-sumsel", password, desktop)
        # The live status is the point of the picture; the model list beside it is not.
        page.add_style_tag(content=HIDE_MODEL_LIST)
        page.screenshot(path=str(home), full_page=True)
        page = log_in(browser, base, "staff-palembang", password, PHONE)
        page.add_style_tag(content=HIDE_MODEL_LIST)
        page.screenshot(path=str(home_phone), full_page=True)
        page.locator("#office-palembang li[data-stage=photo] .sli-quick").tap()
        page.wait_for_url("**/quick/palembang/photo/close/")
        page.fill("#id_reason", "Kamera foto rusak, pengganti tiba pukul 13.00")
        page.screenshot(path=str(quick_phone), full_page=True)
        browser.close()


def log_in(browser, base: str, username: str, password: str, device: dict):
    """A new browser context logged in to the admin as ``username``."""
    context = browser.new_context(locale="id-ID", color_scheme="light", **device)
    page = context.new_page()
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return page


if __name__ == "__main__":
    sys.exit(main())
