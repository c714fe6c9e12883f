"""Backup and restore as the README says: pg_dump the database, pg_restore into a new one."""

from __future__ import annotations

import secrets
import subprocess
import sys

import psycopg2
import pytest

from offices.models import Office
from services.models import StatusEvent, UpstreamSystem
from services.snapshot import recompute
from tests.factories import set_systems
from tests.reliability.processes import child_env, postgres_bindir
from tests.stack import ROOT, database_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLES = [Office._meta.db_table, UpstreamSystem._meta.db_table, StatusEvent._meta.db_table]


def counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        found = {}
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            found[table] = cursor.fetchone()[0]
    connection.close()
    return found


def admin(server: str, statement: str) -> None:
    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def test_pg_dump_and_pg_restore_bring_back_the_portal(postgres, tmp_path):
    bindir = postgres_bindir()
    if bindir is None:
        pytest.fail("pg_dump and pg_restore are needed beside the PostgreSQL server")
    set_systems(pdn="degraded", cekal="down")
    recompute()
    source = database_url()
    dump = tmp_path / "portal.dump"
    subprocess.run(
        [bindir / "pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
        timeout=120,
    )
    name = f"ops_restore_{secrets.token_hex(4)}"
    server = source.rsplit("/", 1)[0]
    admin(server, f'CREATE DATABASE "{name}"')
    restored = f"{server}/{name}"
    try:
        subprocess.run(
            [bindir / "pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", dump],
            check=True,
            timeout=120,
        )
        assert counts(restored) == counts(source)
        assert counts(restored)[StatusEvent._meta.db_table] > 0
        env = child_env(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=restored)
        check = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr  # nothing left to apply
    finally:
        admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
