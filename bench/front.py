"""nginx in front of gunicorn, with the shipped template: started here for the tests and the bench.

``render_template`` renders ``deploy/nginx/default.conf.template`` as the official image does
(``envsubst`` of the three variables it names); ``running_nginx`` serves it with Debian's
nginx under a main configuration shaped like the official image's, in a folder of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"
VARIABLES = ("NGINX_PORT", "WEB_UPSTREAM", "NGINX_CACHE_DIR")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def render_template(port: int, upstream: str, cache_dir: Path) -> str:
    """The template with its variables substituted by ``envsubst``, and nothing else touched."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        raise RuntimeError("envsubst (gettext-base) is needed to render the nginx template")
    values = {"NGINX_PORT": str(port), "WEB_UPSTREAM": upstream, "NGINX_CACHE_DIR": str(cache_dir)}
    shell_format = " ".join(f"${{{name}}}" for name in VARIABLES)
    return subprocess.run(
        [envsubst, shell_format],
        input=TEMPLATE.read_text(),
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main_conf(workdir: Path, site: Path, static_root: Path | None = None) -> str:
    """An nginx.conf like the official image's, including ``site`` inside http {}.

    ``static_root`` adds a second server on the next port serving files as they are, for the
    bench's comparison with a static file. It logs each request as the shipped server does
    (the template's JSON format, to the same place), so that the comparison weighs the proxy
    and its cache, not the access log, which costs both alike.
    """
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    static = ""
    if static_root is not None:
        static = (
            f"    server {{ listen {{static_port}}; access_log /dev/stdout portal_json; "
            f"root {static_root}; "
            "default_type application/json; }\n"
        )
    return f"""{user}
worker_processes 1;
daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} notice;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    keepalive_requests 100000;
{temp}
    include {site};
{static}}}
"""


@contextlib.contextmanager
def running_nginx(
    nginx: str, workdir: Path, port: int, upstream: str, static_root: Path | None = None
) -> Iterator[str]:
    """Serve the rendered template on ``port`` in front of ``upstream``; yield the base URL.

    With ``static_root``, files under it are also served as they are on ``port + 1``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    site = workdir / "default.conf"
    site.write_text(render_template(port, upstream, workdir / "cache"))
    conf = workdir / "nginx.conf"
    conf.write_text(main_conf(workdir, site, static_root).replace("{static_port}", str(port + 1)))
    check = subprocess.run([nginx, "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused its configuration: {check.stderr.decode()}")
    with open(workdir / "nginx.out", "ab") as out:
        process = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # the master stops its workers (fast shutdown)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on {port} within {timeout:g} s")
