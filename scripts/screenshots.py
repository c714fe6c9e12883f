"""Take the README screenshots of the overview in the partial-outage phase.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--port 0]

Builds a throw-away SQLite database in a temporary folder, replays 20–21 June 2024 (PDN
down, then PDN degraded with cekal down) on a clock fixed at Friday 21 June 2024 08.00 WIB
so that every run draws the same page, serves the portal on 127.0.0.1 and photographs the
pages with Chromium (Playwright): ``overview-phone.png`` (360 px wide, the top of the
page), ``overview-desktop.png`` (1280 px wide, the whole page), ``office-phone.png`` (the
Palembang office page's first screen at 360×640) and ``office-stale-phone.png`` (the same
ten minutes later with no data since: the last known states, marked unconfirmed). Then it
adds the synthetic nationwide offices of ``seed_demo --offices 151`` and photographs the
overview grouped by region: ``national-desktop.png`` (1280 px wide, the top of the page).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from unittest import mock
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
WIB = ZoneInfo("Asia/Jakarta")
CLOCK = datetime(2024, 6, 21, 8, 0, tzinfo=WIB)
LATER = CLOCK + timedelta(minutes=10)
OFFICE = "/kantor/palembang/"
PHONE_HEIGHT = 1700  # about two screens: the headline, advisories and the first journeys
NATIONAL_HEIGHT = 1600  # the headline, the advisories and the first regions
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        """Keep the terminal for the script's own output."""


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def configure(var_dir: Path) -> None:
    """An embedded-mode portal in ``var_dir``, whatever the shell's environment says."""
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "VAR_DIR": str(var_dir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SIMULATOR_ENABLED": "0",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def set_systems(now: datetime, **states: str) -> None:
    """Record poller observations of the systems at ``now`` and recompute."""
    from services.models import UpstreamSystem
    from services.snapshot import recompute

    for code, state in states.items():
        UpstreamSystem.objects.filter(code=code).update(
            observed_state=state, observed_error="", checked_at=now
        )
    recompute(now=now)


def replay_june_2024() -> None:
    """The outage on 20 June and the partial reopening on the morning of 21 June."""
    from portal.choices import AdvisoryPhase, AdvisorySeverity
    from portal.models import Advisory, AdvisoryUpdate

    start = datetime(2024, 6, 20, 7, 0, tzinfo=WIB)
    set_systems(start, pdn="down", cekal="down")
    set_systems(CLOCK - timedelta(minutes=30), pdn="degraded", cekal="down")
    set_systems(CLOCK, pdn="degraded", cekal="down")
    postpone = Advisory.objects.create(
        title_id="Tunda pengurusan yang tidak mendesak",
        title_en="Postpone non-urgent business",
        body_id=(
            "Layanan paspor berjalan, namun belum normal: pencetakan paspor menunggu "
            "perbaikan sistem. Pemohon diimbau menunda pengurusan yang tidak mendesak."
        ),
        body_en=(
            "Passport services are running but not yet normal: printing waits for the "
            "systems to be repaired. Please postpone non-urgent business."
        ),
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=start + timedelta(hours=2),
    )
    AdvisoryUpdate.objects.create(
        advisory=postpone,
        phase=AdvisoryPhase.IDENTIFIED,
        body_id="Wawancara, biometrik dan foto kembali dilayani mulai Jumat pagi.",
        body_en="Interview, biometrics and photo are served again from Friday morning.",
        at=CLOCK - timedelta(minutes=30),
    )
    Advisory.objects.create(
        title_id="Datang lebih awal ke bandara dan TPI",
        title_en="Arrive early at airports and checkpoints",
        body_id="Pemeriksaan keimigrasian di bandara dilakukan secara manual.",
        body_en="Immigration checks at airports are done by hand.",
        severity=AdvisorySeverity.INFO,
        phase=AdvisoryPhase.MONITORING,
        published_at=start + timedelta(hours=3),
    )
    # Advisories are part of the status document: publish a snapshot that includes them.
    set_systems(CLOCK, pdn="degraded", cekal="down")


def serve(port: int) -> tuple[ThreadingServer, str]:
    """The portal on 127.0.0.1, in a background thread."""
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1",
        port,
        get_wsgi_application(),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def photograph(url: str, shots: list[tuple], chromium: str, clock: datetime = CLOCK) -> list[Path]:
    """Save one picture per shot: (file, path, viewport, pixel ratio, height or None)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        for path, address, viewport, scale, height in shots:
            context = browser.new_context(
                viewport=viewport, device_scale_factor=scale, locale="id-ID"
            )
            page = context.new_page()
            # The page script compares the data's age with the browser's clock.
            page.clock.set_fixed_time(clock)
            page.goto(url + address.lstrip("/"), wait_until="networkidle")
            clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
            page.screenshot(path=str(path), full_page=True, clip=clip if height else None)
            context.close()
        browser.close()
    return [path for path, *_ in shots]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="screenshots-"))
    try:
        configure(var_dir)
        from django.core.management import call_command

        with mock.patch("django.utils.timezone.now", return_value=CLOCK):
            call_command("migrate", verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            replay_june_2024()
            server, url = serve(args.port)
            out = args.out
            try:
                phone = {"width": 360, "height": 640}
                shots = [
                    (
                        out / "overview-phone.png",
                        "/",
                        {"width": 360, "height": 780},
                        2,
                        PHONE_HEIGHT,
                    ),
                    (out / "overview-desktop.png", "/", {"width": 1280, "height": 900}, 1, None),
                    (out / "office-phone.png", OFFICE, phone, 2, 640),
                ]
                written = photograph(url, shots, args.chromium)
                # Ten minutes without news from the poller: the data is stale.
                with mock.patch("django.utils.timezone.now", return_value=LATER):
                    stale = [(out / "office-stale-phone.png", OFFICE, phone, 2, 1280)]
                    written += photograph(url, stale, args.chromium, LATER)
                call_command("seed_demo", "--offices", "151", "--force", stdout=io.StringIO())
                set_systems(CLOCK, pdn="degraded", cekal="down")
                desktop = {"width": 1280, "height": 900}
                national = [(out / "national-desktop.png", "/", desktop, 1, NATIONAL_HEIGHT)]
                written += photograph(url, national, args.chromium)
                for path in written:
                    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            finally:
                server.shutdown()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
