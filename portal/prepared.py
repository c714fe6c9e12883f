"""Prepared reads: public documents and pages built once per snapshot, served as bytes.

1. **Build.** ``prepare(key, lang, build)`` returns the bytes of a document or page for the
   published snapshot: from this process's memo, else from the shared cache (another
   process built them), else from ``build()``, which is then shared. Each is stored plain
   and gzip-compressed, once.
2. **Validate.** A prepared read's ETag is weak and follows its *content*: it is made from
   the status document's content version (everything a reader sees, without the times of
   the last poll) and the read's own key, so a poll that changes nothing keeps every ETag,
   while ``Last-Modified`` and the body's ``generated_at`` still say when the data was last
   confirmed.
3. **Serve.** ``respond`` answers with Django's own helpers: ``get_conditional_response``
   (304), ``patch_cache_control``, ``patch_vary_headers``; gzip when the client accepts it;
   headers only for HEAD (``HeadMiddleware``).
4. **Short-circuit.** ``PreparedReadMiddleware`` answers a plain anonymous GET or HEAD whose
   bytes this process holds for the current snapshot, ahead of the session, CSRF, auth and
   messages middleware, as Django's cache middleware does; anything else reaches the view.

One rule invalidates everything: entries belong to the snapshot they were built from. The
memo holds the current snapshot's entries and is emptied when another is published; the
shared cache's keys name the snapshot. A dead shared cache only costs builds.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from services import metrics
from services.snapshot import Published, published

from .middleware import fixed_security_headers

log = logging.getLogger(__name__)
T = TypeVar("T")

LANGS = ("id", "en")
# A snapshot's bytes in the shared cache. Every poll publishes a new snapshot (new keys), so
# entries are wanted for about one poll interval; keeping them an hour would hold some 360
# sets of every document and page in Redis.
SHARED_SECONDS = 120
STALE_IF_ERROR_SECONDS = 86400
# The times of the last poll: they change on every poll and are not the content (so is
# Statuspage's page.updated_at). Each pattern takes a comma with the pair, so that the rest
# reads as if the key were absent.
_TIME = rb'(?:"[^"]*"|null)'
FRESHNESS = re.compile(
    rb',"(?:generated_at|checked_at)":%s|"(?:generated_at|checked_at)":%s,?' % (_TIME, _TIME)
)
PAGE_UPDATED_AT = re.compile(
    rb'("page":\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*?)(?:,"updated_at":%s|"updated_at":%s,?)'
    % (_TIME, _TIME)
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
}
PREFLIGHT_HEADERS = "Accept-Language, If-None-Match, If-Modified-Since"


@dataclass(frozen=True)
class Prepared:
    """One representation: its bytes (plain and gzip), validators and the headers it needs."""

    body: bytes
    etag: str
    content_type: str = "application/json"
    language: str = ""
    vary: tuple[str, ...] = ()
    last_modified: datetime | None = None
    cors: bool = True
    gzipped: bytes = field(default=b"", repr=False)
    # What the body was made from, for readers in this process (a page reads the status
    # document without parsing it back); never shared: the shared cache keeps bytes only.
    document: object = field(default=None, repr=False, compare=False)

    @cached_property
    def headers(self) -> dict[bool, dict[str, tuple[str, str]]]:
        """The answer's headers, plain (False) and gzip (True), worked out once per entry
        with Django's helpers, kept as the store of Django's ``ResponseHeaders`` so that an
        answer copies them rather than setting and checking each again (setting 16 headers
        one by one was a sixth of a prepared answer's time, measured with cProfile)."""
        return {packed: answer_headers(self, packed) for packed in (False, True)}

    @classmethod
    def of(cls, body: bytes, **fields) -> Prepared:
        """``body`` with its gzip form; a strong ETag of the bytes unless one is given."""
        fields.setdefault("etag", '"' + digest(body) + '"')
        return cls(body=body, gzipped=gzip.compress(body, 6, mtime=0), **fields)


def digest(data: bytes | str, size: int = 32) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:size]


def json_bytes(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def content_version(document: object) -> str:
    """A digest of ``document``'s JSON without the times of the last poll, cut from the bytes
    (a quote inside a JSON string is escaped, so ``"checked_at":`` is only ever a key; copying
    the document without them made the status and summary builds 107 ms instead of 91)."""
    body = PAGE_UPDATED_AT.sub(rb"\1", FRESHNESS.sub(b"", json_bytes(document)))
    return digest(body, 24)


# --- Build ----------------------------------------------------------------------------------

_memo: dict[tuple, Any] = {}  # the current snapshot's entries (Prepared, or rows), by key
_memo_token = {"token": ""}
_routes: dict[str, str] = {}  # path -> the language rule of the read found there
# (path, query string, Cookie, Accept-Language) -> the memo key of that read, or None
_keys: dict[tuple[str, str, str, str], tuple | None] = {}
_UNKNOWN = object()
MAX_KEYS = 1024
# Threads that miss together wait for the one building instead of each building (re-entrant:
# a page's build reads the status document).
build_lock = threading.RLock()


def prepare(bundle: Published, key: tuple, build: Callable[[], T], shared: bool = True) -> T:
    """The entry ``key`` of ``bundle``'s snapshot, built at most once per process."""
    hit = _current(bundle).get(key)
    if hit is not None:
        return hit
    with build_lock:
        memo = _current(bundle)
        hit = memo.get(key)
        if hit is None:
            shared_key = f"prepared:{bundle.token}:{digest(repr(key))}"
            hit = _shared(shared_key) if shared else None
            if hit is None:
                hit = build()
                if shared:
                    _share(shared_key, hit)
            memo[key] = hit
    return hit


def rows(bundle: Published, key: str, fetch: Callable[[], list[T]]) -> list[T]:
    """The rows ``fetch`` reads for ``bundle``'s documents (advisories, closures), read once
    per snapshot in this process, so that its documents in every language share one read."""
    return prepare(bundle, ("rows", key), fetch, shared=False)


def _current(bundle: Published) -> dict[tuple, Any]:
    if _memo_token["token"] != bundle.token:
        with build_lock:
            if _memo_token["token"] != bundle.token:
                _memo.clear()
                _memo_token["token"] = bundle.token
    return _memo


def _shared(key: str) -> Prepared | None:
    try:
        found = cache.get(key)
    except Exception:  # the cache only saves work: a dead Redis must not fail a read
        log.warning("cache unavailable; building here", exc_info=True)
        found = None
        metrics.CACHE_LOOKUPS.labels("error").inc()
    else:
        metrics.CACHE_LOOKUPS.labels("miss" if found is None else "hit").inc()
    return found


def _share(key: str, entry: Prepared) -> None:
    try:
        cache.set(key, replace(entry, document=None), SHARED_SECONDS)
    except Exception:
        log.warning("cache unavailable; not sharing", exc_info=True)


def forget() -> None:
    """Empty this process's memo (tests, and a cache cleared under it)."""
    with build_lock:
        _memo.clear()
        _keys.clear()
        _memo_token["token"] = ""


# --- Requests -------------------------------------------------------------------------------


def page_language(request: HttpRequest) -> str:
    """A page's language: the visitor's choice (a cookie), else Indonesian."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in LANGS else LANGS[0]


def api_language(request: HttpRequest) -> str | None:
    """A document's language: ``?lang=``, else the cookie or Accept-Language; None when
    ``?lang=`` names no language of the portal."""
    lang = request.GET.get("lang")
    if lang is not None:
        return lang if lang in LANGS else None
    negotiated = translation.get_language_from_request(request)
    return negotiated if negotiated in LANGS else LANGS[0]


LANGUAGE_RULES: dict[str, Callable[[HttpRequest], str | None]] = {
    "page": page_language,
    "api": api_language,
}
# The request headers that pick a representation. A page's language is the cookie alone, but
# LocaleMiddleware names Accept-Language on every answer of the full stack: the prepared
# answer names the same, so that both paths answer alike.
VARY = {"page": ("Cookie", "Accept-Language"), "api": ("Accept-Language", "Cookie")}


def is_cache_buster(name: str) -> bool:
    """``_`` and any parameter starting with it: added by clients to bypass caches."""
    return name.startswith("_")


def request_key(request: HttpRequest, rule: str) -> tuple | None:
    """The memo key of a plain read of this path, or None when the request must be seen by
    its view (a parameter other than ``lang`` or a cache-buster, a language refused)."""
    if any(name != "lang" and not is_cache_buster(name) for name in request.GET):
        return None
    if rule == "page" and "lang" in request.GET:
        return None
    lang = LANGUAGE_RULES[rule](request)
    return None if lang is None else ("request", request.path_info, lang)


def remember(request: HttpRequest, rule: str, bundle: Published, entry: Prepared) -> None:
    """Let the middleware answer the next plain read of this path from ``entry``."""
    key = request_key(request, rule)
    if key is not None and request.method in ("GET", "HEAD"):
        _routes[request.path_info] = rule
        _current(bundle)[key] = entry


def lookup(request: HttpRequest) -> Prepared | None:
    """The entry a plain read of this path would be answered with, if this process holds it.

    A request's key depends on its path, query string, cookies and Accept-Language alone;
    it is worked out once per combination seen (parsing them was a seventh of a prepared
    answer's time, measured with cProfile).
    """
    meta = request.META
    seen = (
        request.path_info,
        meta.get("QUERY_STRING", ""),
        meta.get("HTTP_COOKIE", ""),
        meta.get("HTTP_ACCEPT_LANGUAGE", ""),
    )
    key = _keys.get(seen, _UNKNOWN)
    if key is _UNKNOWN:
        rule = _routes.get(request.path_info)
        if rule is None:
            return None  # not yet read the long way: nothing to answer with
        key = request_key(request, rule)
        if len(_keys) >= MAX_KEYS:
            _keys.clear()
        _keys[seen] = key
    if key is None:
        return None
    return _current(published()).get(key)


# --- Responses ------------------------------------------------------------------------------


def respond(request: HttpRequest, entry: Prepared) -> HttpResponse:
    """``entry`` as a public read: conditional, compressed when accepted, cacheable by all."""
    packed = bool(entry.gzipped) and "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    response = HttpResponse(entry.gzipped if packed else entry.body)
    response.headers._store = entry.headers[packed].copy()  # type: ignore[attr-defined]
    if "HTTP_IF_NONE_MATCH" not in request.META and "HTTP_IF_MODIFIED_SINCE" not in request.META:
        return response
    last_modified = int(entry.last_modified.timestamp()) if entry.last_modified else None
    conditional = get_conditional_response(
        request, etag=entry.etag, last_modified=last_modified, response=response
    )
    if conditional is not response:
        public_headers(conditional, entry.vary, cors=entry.cors)
        if entry.language:
            conditional["Content-Language"] = entry.language
        for name, value in fixed_security_headers().items():
            conditional[name] = value
    return conditional


def answer_headers(entry: Prepared, packed: bool) -> dict[str, tuple[str, str]]:
    """The headers of ``entry``'s answer, plain or gzip-compressed, with the security
    headers every answer carries (as the middleware would add them)."""
    template = HttpResponse(content_type=entry.content_type)
    if packed:
        template["Content-Encoding"] = "gzip"
    template["Content-Length"] = str(len(entry.gzipped if packed else entry.body))
    if entry.language:
        template["Content-Language"] = entry.language
    public_headers(template, entry.vary, cors=entry.cors)
    template["ETag"] = entry.etag
    if entry.last_modified:
        template["Last-Modified"] = http_date(entry.last_modified.timestamp())
    for name, value in fixed_security_headers().items():
        template[name] = value
    return dict(template.headers._store)  # type: ignore[attr-defined]


def public_headers(
    response: HttpResponse, vary: tuple[str, ...] = (), cors: bool = True
) -> HttpResponse:
    """Anyone may keep the response for one poll interval and serve it for a day while the
    portal cannot answer; any origin may read it."""
    max_age = max(1, int(settings.POLL_INTERVAL_SECONDS))
    patch_cache_control(
        response,
        public=True,
        max_age=max_age,
        stale_while_revalidate=max_age,
        stale_if_error=STALE_IF_ERROR_SECONDS,
    )
    patch_vary_headers(response, (*vary, "Accept-Encoding"))
    if cors:
        for name, value in CORS_HEADERS.items():
            response[name] = value
    return response


def preflight(response: HttpResponse) -> HttpResponse:
    """What a browser's preflight for a conditional GET needs."""
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = PREFLIGHT_HEADERS
    response["Access-Control-Max-Age"] = "86400"
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


class PreparedReadMiddleware:
    """Answer plain anonymous reads this process has prepared, before the rest of the stack.

    It sits after the security headers; its answers carry what the middleware it skips
    would have added (``X-Frame-Options``), and it checks the Host header as
    ``CommonMiddleware`` would.
    Anonymous reads are counted once, here or by the view that answers them.
    """

    MAX_HOSTS = 64

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Host headers already found allowed: checking one costs a fifth of a prepared
        # answer (measured with cProfile), and a handful of names cover all the traffic.
        self.hosts: set[tuple[str, str]] = set()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and "HTTP_AUTHORIZATION" not in request.META:
            response = self.serve(request)
            if response is not None:
                return response
        return self.get_response(request)

    def serve(self, request: HttpRequest) -> HttpResponse | None:
        from .api.auth import AnonReadThrottle

        meta = request.META
        host = (meta.get("HTTP_X_FORWARDED_HOST", ""), meta.get("HTTP_HOST", ""))
        try:
            if host not in self.hosts:
                request.get_host()  # DisallowedHost: the full stack answers 400
                if len(self.hosts) < self.MAX_HOSTS:
                    self.hosts.add(host)
            entry = lookup(request)
        except Exception:  # a bad host, a cold snapshot that fails: answered the long way
            log.debug("prepared read declined", exc_info=True)
            return None
        if entry is None or not AnonReadThrottle().allow_request(request, None):
            return None
        return respond(request, entry)
