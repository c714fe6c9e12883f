"""A snapshot's documents are built once, where it was published, and shared.

The process that publishes a snapshot (for a poll, the Celery worker) builds the v1 status
document in every language once its transaction commits and puts the bytes in the cache;
another process takes them from there instead of building them on a visitor's request.
Inside one process, threads that miss the memo together wait for one build.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from portal import prepared, status
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def forget_this_process() -> None:
    """What another web process knows of the documents: nothing but the cache."""
    prepared.forget()


def test_publishing_builds_each_language_once_and_shares_it(
    django_capture_on_commit_callbacks, monkeypatch
):
    set_systems(pdn="degraded", cekal="down")
    with django_capture_on_commit_callbacks(execute=True):
        bundle = recompute()
    shared = {
        lang: status.document_entry(bundle, ("v1", "status"), lang, None) for lang in ["id", "en"]
    }
    for entry in shared.values():
        assert entry.body.startswith(b'{"generated_at"')
    forget_this_process()

    def build_again(*args, **kwargs):
        raise AssertionError("built again in another process")

    monkeypatch.setattr(status, "status_document", build_again)
    _, english = status.status_entry("en")
    assert english == shared["en"]
    assert b'"name":"Interview"' in english.body


def test_the_first_process_to_build_a_document_shares_it(client, monkeypatch):
    set_systems(pdn="up", cekal="up")
    first = client.get("/api/v2/summary.json")
    forget_this_process()
    monkeypatch.setattr(
        "portal.api.statuspage.SummaryView.build",
        lambda *args: pytest.fail("built again in another process"),
    )
    again = client.get("/api/v2/summary.json")
    assert again.content == first.content and again["ETag"] == first["ETag"]


def test_without_the_cache_a_process_builds_for_itself(client, settings):
    set_systems(pdn="up", cekal="up")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    forget_this_process()
    response = client.get("/api/v1/status/")
    assert response.status_code == 200
    assert response.json()["stale"] is False


def test_threads_that_miss_together_wait_for_one_build(monkeypatch):
    set_systems(pdn="up", cekal="up")
    recompute()
    forget_this_process()
    # Nothing shared either: somebody must build it. (Emptying the whole cache would drop
    # the snapshot's head too, and the threads would recompute it, each writing.)
    monkeypatch.setattr(prepared, "_shared", lambda key: None)
    builds = []
    real = status.status_document

    def slow_build(*args, **kwargs):
        builds.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every thread to miss the memo
        return real(*args, **kwargs)

    monkeypatch.setattr(status, "status_document", slow_build)
    results = []

    def read() -> None:
        try:
            results.append(status.status_entry("id")[1])
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(results) == 4 and len({r.etag for r in results}) == 1
