"""The HTTP side of the sandbox: routing, tokens, tiers, faults, counts and a response cache.

A `ThreadingHTTPServer` speaking HTTP/1.1 with keep-alive: one thread per connection, so a
client's pooled connections are served in parallel. Bodies are deterministic for a given
(seed, tier, day, host, path), so successful answers are cached and replayed as bytes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
import secrets
import socket
import sys
import threading
import time
from collections import Counter, OrderedDict
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from ingestion.sandbox import api
from ingestion.sandbox.catalogue import Catalogue
from ingestion.sandbox.faults import FaultInjector, FaultPlan
from ingestion.sandbox.objects import strip_for_development
from ingestion.sandbox.open_signals import OpenSignalError, OpenSignals, deezer_error, lastfm_error

log = logging.getLogger(__name__)

TIERS = ("extended", "development")
# Endpoints a Development Mode app gets 403 on since February 2026 (`playlist_tracks`: the old
# GET /playlists/{id}/tracks path, replaced by /items).
DEVELOPMENT_FORBIDDEN = frozenset(
    {"artist_top_tracks", "artists", "albums", "tracks", "playlist_tracks"}
)
CACHE_SIZE = 20_000
# The documented quotas: Deezer 50 requests per 5 seconds; Last.fm 5 per second (averaged).
DEEZER_QUOTA = (50, 5.0)
LASTFM_QUOTA = (25, 5.0)
API_KEY_RE = re.compile(r"(api_key=)[^&\s]*")
LASTFM_METHODS = {"track.getinfo": "lastfm_track", "artist.getinfo": "lastfm_artist"}


def _route(parts: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """Map /v1/... path segments to (endpoint name, path arguments)."""
    match parts:
        case ["artists"]:
            return "artists", ()
        case ["artists", artist_id]:
            return "artist", (artist_id,)
        case ["artists", artist_id, "albums"]:
            return "artist_albums", (artist_id,)
        case ["artists", artist_id, "top-tracks"]:
            return "artist_top_tracks", (artist_id,)
        case ["albums"]:
            return "albums", ()
        case ["albums", album_id]:
            return "album", (album_id,)
        case ["albums", album_id, "tracks"]:
            return "album_tracks", (album_id,)
        case ["tracks"]:
            return "tracks", ()
        case ["tracks", track_id]:
            return "track", (track_id,)
        case ["search"]:
            return "search", ()
        case ["playlists", playlist_id]:
            return "playlist", (playlist_id,)
        case ["playlists", playlist_id, "items"]:
            return "playlist_items", (playlist_id,)
        case ["playlists", playlist_id, "tracks"]:
            return "playlist_tracks", (playlist_id,)
    return None


HANDLERS = {
    "artist": api.get_artist,
    "artists": api.get_artists,
    "artist_albums": api.get_artist_albums,
    "artist_top_tracks": api.get_artist_top_tracks,
    "album": api.get_album,
    "albums": api.get_albums,
    "album_tracks": api.get_album_tracks,
    "track": api.get_track,
    "tracks": api.get_tracks,
    "search": api.search,
    "playlist": api.get_playlist,
    "playlist_items": api.get_playlist_items,
    "playlist_tracks": api.get_playlist_tracks,
}


def _open_signal_route(parts: list[str], query: dict[str, str]) -> str | None:
    """Map /deezer/... and /lastfm/2.0/ requests to endpoint names (as in request_counts)."""
    match parts:
        case ["deezer", "track", ref] if ref.startswith("isrc:"):
            return "deezer_track"
        case ["deezer", "artist", _]:
            return "deezer_artist"
        case ["deezer", "album", _]:
            return "deezer_album"
        case ["deezer", *_]:
            return "deezer_other"
        case ["lastfm", "2.0"] | ["lastfm", "2.0", ""]:
            return LASTFM_METHODS.get((query.get("method") or "").lower(), "lastfm_other")
    return None


class _Quota:
    """A rolling-window quota: at most `limit` answered requests per `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._sent: list[float] = []
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._sent = [t for t in self._sent if now - t < self.window]
            if len(self._sent) >= self.limit:
                return False
            self._sent.append(now)
            return True


def _json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _error(status: int, message: str, **extra) -> bytes:
    return _json({"error": {"status": status, "message": message, **extra}})


class SandboxServer:
    """A local Spotify Web API over the simulated catalogue (see docs/interfaces.md, section 1).

    `as_of=None` serves today's catalogue (UTC, evaluated per request). `token_lifetime` is in
    seconds and may be fractional, for tests of expiry.
    """

    def __init__(
        self,
        tier: str = "extended",
        seed: int = 42,
        as_of: date | None = None,
        token_lifetime: float = 3600,
        faults: FaultPlan | None = None,
        extra_artists: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        deezer_quota: tuple[int, float] = DEEZER_QUOTA,
        lastfm_quota: tuple[int, float] = LASTFM_QUOTA,
    ) -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}, not {tier!r}")
        self.tier = tier
        self.seed = seed
        self.as_of = as_of
        self.token_lifetime = token_lifetime
        self.faults = faults or FaultPlan()
        self.injector = FaultInjector(self.faults)
        self.catalogue = Catalogue(seed=seed, extra_artists=extra_artists)
        self.open_signals = OpenSignals(self.catalogue)
        self.quotas = {"deezer": _Quota(*deezer_quota), "lastfm": _Quota(*lastfm_quota)}
        self.host = host
        self.port = port
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._cache: OrderedDict[tuple, tuple[int, bytes]] = OrderedDict()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.sandbox = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            # A short poll interval makes stop() quick, which matters for tests.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what clients and tests read ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def deezer_base_url(self) -> str:
        return f"{self.base_url}/deezer/"

    @property
    def lastfm_base_url(self) -> str:
        return f"{self.base_url}/lastfm/2.0/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/token"

    @property
    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()

    @property
    def roster(self) -> list[tuple[str, str]]:
        return self.catalogue.roster

    @property
    def generated_artist_ids(self) -> list[str]:
        return list(self.catalogue.generated_artist_ids)

    @property
    def fault_counts(self) -> dict[str, int]:
        """How many times each fault kind fired."""
        with self.injector._lock:
            return dict(self.injector.fired)

    # --- request handling (called from handler threads) ----------------------------------------

    def count(self, endpoint: str) -> None:
        with self._lock:
            self._counts[endpoint] += 1

    def issue_token(self) -> dict:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
        }

    def revoke(self, token: str | None) -> None:
        with self._lock:
            if token is not None:
                self._tokens[token] = 0.0  # known but expired

    def check_token(self, authorization: str | None) -> None:
        if not authorization or not authorization.startswith("Bearer "):
            raise api.ApiError(401, "No token provided")
        with self._lock:
            expiry = self._tokens.get(authorization[7:].strip())
        if expiry is None:
            raise api.ApiError(401, "Invalid access token")
        if expiry <= time.monotonic():
            raise api.ApiError(401, "The access token expired")

    def day_for(self, header: str | None, param: str | None) -> date:
        raw = header or param
        if raw:
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                raise api.ApiError(400, "Invalid sandbox date, expected YYYY-MM-DD") from None
        return self.as_of or datetime.now(UTC).date()

    def answer(
        self, endpoint: str, args: tuple, handler: _Handler, query: dict
    ) -> tuple[int, bytes]:
        """The normal (fault-free) answer to an API request."""
        try:
            self.check_token(handler.headers.get("Authorization"))
            day = self.day_for(handler.headers.get("X-Sandbox-Date"), query.get("sandbox_date"))
            if self.tier == "development" and endpoint in DEVELOPMENT_FORBIDDEN:
                raise api.ApiError(403, "Forbidden")
            host = handler.headers.get("Host") or f"{self.host}:{self.port}"
            key = (day, host, handler.path)
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached
            link_extra = f"&sandbox_date={day.isoformat()}" if "sandbox_date" in query else ""
            request = api.Request(
                self.catalogue.view(day), query, f"http://{host}/v1", link_extra, tier=self.tier
            )
            obj = HANDLERS[endpoint](request, *args)
            if self.tier == "development":
                obj = strip_for_development(obj)
            result = (200, _json(obj))
            with self._lock:
                self._cache[key] = result
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            return result
        except api.ApiError as exc:
            return exc.status, _error(exc.status, exc.message)

    def answer_open_signal(
        self, endpoint: str, parts: list[str], handler: _Handler, query: dict
    ) -> tuple[int, bytes]:
        """Deezer's or Last.fm's answer: no token; their own quotas and error bodies."""
        service = endpoint.split("_")[0]
        try:
            day = self.day_for(handler.headers.get("X-Sandbox-Date"), query.get("sandbox_date"))
        except api.ApiError as exc:
            return exc.status, _error(exc.status, exc.message)
        try:
            if service == "lastfm" and not query.get("api_key"):
                raise lastfm_error(10)
            if not self.quotas[service].allow():
                raise deezer_error(4) if service == "deezer" else lastfm_error(29)
            if endpoint in ("deezer_other", "lastfm_other"):
                raise deezer_error(800) if service == "deezer" else lastfm_error(3)
            key = (day, "open", handler.path)
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached
            view = self.catalogue.view(day)
            signals = self.open_signals
            if endpoint == "deezer_track":
                obj = signals.deezer_track_by_isrc(view, parts[2][len("isrc:") :])
            elif endpoint == "deezer_artist":
                obj = signals.deezer_artist(view, parts[2])
            elif endpoint == "deezer_album":
                obj = signals.deezer_album(view, parts[2])
            elif endpoint == "lastfm_track":
                obj = signals.lastfm_track(view, query)
            else:
                obj = signals.lastfm_artist(view, query)
            result = (200, _json(obj))
            with self._lock:
                self._cache[key] = result
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            return result
        except OpenSignalError as exc:
            return exc.status, _json(exc.body)


HTML_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" \
    b"<h1>502 Bad Gateway</h1></body></html>"  # fmt: skip


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()
    request_queue_size = 128
    sandbox: SandboxServer

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        """End open keep-alive connections, so a stopped sandbox really stops answering."""
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address) -> None:
        # A client that timed out and hung up is normal here (tests provoke it on purpose):
        # log it instead of printing socketserver's traceback to stderr.
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            log.debug("client %s hung up: %s", client_address, exc)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "SpotifySandbox/1.0"
    disable_nagle_algorithm = True
    timeout = 60  # close idle connections eventually
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args) -> None:
        # Last.fm's key travels in the query: never in the log.
        log.debug("%s %s", self.address_string(), API_KEY_RE.sub(r"\1***", format % args))

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Sandbox", "1")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _drain_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_POST(self) -> None:
        body = self._drain_body()
        if urlsplit(self.path).path != "/api/token":
            self._send(404, _error(404, "Service not found"))
            return
        sandbox = self.server.sandbox
        sandbox.count("token")
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
                client_id, _, secret = decoded.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id = secret = ""
        if form.get("grant_type") != "client_credentials":
            err = {"error": "unsupported_grant_type", "error_description": "grant_type must be "
                   "client_credentials"}  # fmt: skip
            self._send(400, _json(err))
        elif not client_id or not secret:
            self._send(
                400, _json({"error": "invalid_client", "error_description": "Invalid client"})
            )
        else:
            self._send(200, _json(sandbox.issue_token()))

    def do_GET(self) -> None:
        self._drain_body()
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        parts = split.path.strip("/").split("/")
        if parts and parts[0] in ("deezer", "lastfm"):
            self._open_signal(parts, split.query)
            return
        routed = _route(parts[1:]) if parts and parts[0] == "v1" else None
        if routed is None:
            self._send(404, _error(404, "Service not found"))
            return
        endpoint, args = routed
        sandbox.count(endpoint)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        decision = sandbox.injector.decide(endpoint) if sandbox.faults.faults else None
        if decision is not None and decision.latency:
            time.sleep(decision.latency)
        fault = decision.fault if decision is not None else None
        if fault is None:
            self._send(*sandbox.answer(endpoint, args, self, query))
        elif fault.kind == "drop":
            # Close the socket without a byte of response: the client sees a dropped connection.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        elif fault.kind == "rate_limit":
            extra = {"reason": "QUOTA_EXCEEDED"} if fault.quota else {}
            body = _error(
                429, "Too many requests" if fault.quota else "API rate limit exceeded", **extra
            )
            self._send(429, body, {"Retry-After": str(fault.retry_after)})
        elif fault.kind == "server_error":
            messages = {500: "Server error", 502: "Bad gateway", 503: "Service unavailable"}
            self._send(fault.status, _error(fault.status, messages[fault.status]))
        elif fault.kind == "expire_token":
            auth = self.headers.get("Authorization", "")
            sandbox.revoke(auth[7:].strip() if auth.startswith("Bearer ") else None)
            self._send(401, _error(401, "The access token expired"))
        elif fault.kind == "malformed":
            self._send(200, b'{"error": <html>Upstream sandbox fault</html>')
        elif fault.kind == "truncated":
            status, body = sandbox.answer(endpoint, args, self, query)
            self._send(status, body[: max(1, len(body) // 2)])

    def _open_signal(self, parts: list[str], raw_query: str) -> None:
        """Deezer's and Last.fm's paths: the same fault plan, in each service's own words."""
        sandbox = self.server.sandbox
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        endpoint = _open_signal_route(parts, query)
        if endpoint is None:
            self._send(404, _error(404, "Service not found"))
            return
        sandbox.count(endpoint)
        decision = sandbox.injector.decide(endpoint) if sandbox.faults.faults else None
        if decision is not None and decision.latency:
            time.sleep(decision.latency)
        fault = decision.fault if decision is not None else None
        kind = fault.kind if fault is not None else None
        if kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "rate_limit":
            error = deezer_error(4) if endpoint.startswith("deezer") else lastfm_error(29)
            self._send(error.status, _json(error.body))
        elif kind == "server_error":
            self._send(fault.status, HTML_PAGE, content_type="text/html")
        elif kind == "malformed":
            # A proxy's error page in place of the answer: HTML, with HTTP 200.
            self._send(200, HTML_PAGE, content_type="text/html")
        else:
            status, body = sandbox.answer_open_signal(endpoint, parts, self, query)
            if kind == "truncated":
                body = body[: max(1, len(body) // 2)]
            self._send(status, body)
