"""The open-signal clients: one small transport, and Deezer's and Last.fm's endpoints on it.

Why not `deezer-python` (PyPI)? It is a good object mapper, but none of the rules this pipeline
needs live in it: it sends over httpx (a second HTTP stack beside spotipy's requests), has no
rate limiter and no retry, turns Deezer's quota error (code 4, HTTP 200) into the same
exception as any other error body, and hands back resource objects where the raw layer keeps the
complete JSON. Last.fm's Python client (pylast) likewise has its own networking and caching.
So, as spotipy's transport does for Spotify, `OpenSignalTransport.get` is the only place an
open-signal request is made, and every rule lives there once:

- the shared rolling-window limiter (`ingestion.limiter`, the one Spotify's client uses):
  Deezer's 50 requests per 5 s (DEEZER_REQUESTS_PER_5S), Last.fm's LASTFM_REQUESTS_PER_SECOND,
  across worker threads;
- quota errors (Deezer code 4 with HTTP 200, Last.fm error 29 or HTTP 429) hold every thread
  back for one window and retry; a quota error that outlasts SPOTIFY_MAX_ATTEMPTS waits ends the
  source's day (`OpenSignalQuotaError`);
- transient failures (5xx, timeouts, dropped connections, Deezer 700, Last.fm 8/11/16) retry
  with the shared backoff; outlasting the attempts ends the source's day;
- "not found" (Deezer 800, Last.fm 6) is an answer (`NotFound`), not a failure; a body that is
  not JSON (an HTML page) after every attempt is recorded for that item (`BadBody`);
- the Last.fm key is a query parameter: it never appears in a message, a log line or a file.

The endpoint classes are thin: a path and parameters each.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from ingestion.errors import OpenSignalError, OpenSignalQuotaError, OpenSignalRefusedError
from ingestion.limiter import RollingWindowLimiter, backoff_delay
from ingestion.settings import Settings
from ingestion.transport_base import CountingTransport

log = logging.getLogger(__name__)

QUOTA_MARGIN = 0.5  # seconds added to the window: the server counts a request when it arrives
_TRANSIENT_EXCEPTIONS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class _RedactSecrets(logging.Filter):
    """urllib3 logs every request line at DEBUG, query included: Last.fm's key never gets
    through (one filter on urllib3's logger, holding every key a client was made with)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, "***")
                record.msg, record.args = message, ()
        return True


_REDACT = _RedactSecrets()
logging.getLogger("urllib3.connectionpool").addFilter(_REDACT)


class NotFound(Exception):
    """The service does not know the item (Deezer 800, Last.fm 6): a fact, not a failure."""


class BadBody(Exception):
    """The answer was not a JSON object (an HTML page, a cut body) after every attempt."""


@dataclass(frozen=True)
class Verdict:
    """What an answer means: `ok`, `not_found`, `quota`, `transient`, `bad_body` (retried
    like a transient failure, then recorded for the item) or `refused`."""

    kind: str
    detail: str = ""


class OpenSignalTransport(CountingTransport):
    """Sends one source's requests; thread-safe; counts what it sends."""

    def __init__(
        self,
        source: str,
        base_url: str,
        settings: Settings,
        *,
        quota: tuple[int, float],
        judge: Callable[[int, Any], Verdict],
        params: dict[str, str] | None = None,
        sandbox_date: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url
        super().__init__(settings, spare_connections=2, sleep=sleep)
        self.window = quota[1] + QUOTA_MARGIN
        self.limiter = RollingWindowLimiter(quota[0], self.window)
        self._judge = judge
        self._params = dict(params or {})  # sent with every request (Last.fm's key, format)
        self._secrets = [v for k, v in self._params.items() if k == "api_key" and v]
        _REDACT.secrets.update(self._secrets)
        self.sandbox_date = sandbox_date
        self.is_sandbox = False

    def get(self, path: str, params: dict[str, str] | None = None, *, endpoint: str) -> dict:
        """The JSON object at `path`; raises NotFound, BadBody or OpenSignalError."""
        what = f"{self.source} {endpoint}"  # for messages: never the URL or its query
        headers = {"Accept": "application/json"}
        if self.sandbox_date:
            # The sandbox serves any day; the real services ignore the header.
            headers["X-Sandbox-Date"] = self.sandbox_date
        attempt = quota_waits = 0
        while True:
            self.limiter.acquire()
            with self._lock:
                self.counts[endpoint] += 1
            attempt += 1
            problem, bad_body = None, False
            try:
                response = self.session.get(
                    self.base_url + path,
                    params={**(params or {}), **self._params},
                    headers=headers,
                    timeout=self.settings.request_timeout,
                )
            except _TRANSIENT_EXCEPTIONS as exc:
                problem = f"a network error ({exc.__class__.__name__})"
            except requests.exceptions.RequestException as exc:
                name = exc.__class__.__name__
                raise OpenSignalRefusedError(
                    f"{what} could not be sent ({name}): check {self.source.upper()}_API_BASE_URL.",
                    source=self.source,
                ) from None
            if problem is None:
                self.is_sandbox = self.is_sandbox or response.headers.get("X-Sandbox") == "1"
                status = response.status_code
                try:
                    body = json.loads(response.content)
                except ValueError:
                    body = None
                verdict = self._judge(status, body)
                if verdict.kind == "ok":
                    return body
                if verdict.kind == "not_found":
                    raise NotFound(verdict.detail)
                if verdict.kind == "quota":
                    quota_waits += 1
                    self._wait_for_quota(what, quota_waits)
                    attempt -= 1  # a quota wait is not a failed attempt
                    continue
                if verdict.kind == "refused":
                    raise OpenSignalRefusedError(
                        f"{what}: {self._redact(verdict.detail)}", source=self.source
                    )
                problem, bad_body = verdict.detail, verdict.kind == "bad_body"
            if attempt >= self.settings.max_attempts:
                if bad_body:
                    raise BadBody(problem)
                raise OpenSignalError(
                    f"{what} failed {attempt} times, last with {problem}: {self.source} is "
                    "unavailable; its day is not published; extract it again later.",
                    source=self.source,
                )
            delay = backoff_delay(self.settings.backoff_base, attempt)
            log.warning("%s: %s; retry %d in %.2fs", what, problem, attempt, delay)
            with self._lock:
                self.retries += 1
            self._sleep(delay)

    def _wait_for_quota(self, what: str, waits: int) -> None:
        with self._lock:
            self.rate_limited += 1
        if waits > self.settings.max_attempts:
            raise OpenSignalQuotaError(
                f"{what}: still over {self.source}'s quota after {waits - 1} waits of "
                f"{self.window:g}s: its day ends unpublished; extract it again later (fewer "
                "SPOTIFY_MAX_WORKERS, or a lower LASTFM_REQUESTS_PER_SECOND, help).",
                source=self.source,
            )
        wait = self.window * self.settings.backoff_base
        log.warning("%s: quota exceeded, every thread waits %.2fs", what, wait)
        self.limiter.pause(wait)  # the quota is the caller's, not this request's
        with self._lock:
            self.retries += 1

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text[:200]

    def close(self) -> None:
        self.session.close()


def _not_json(status: int) -> Verdict:
    if status >= 500:
        return Verdict("transient", f"HTTP {status}")
    return Verdict("bad_body", f"a body that is not JSON (HTTP {status}; an HTML page?)")


# --- Deezer -------------------------------------------------------------------------------------
def judge_status(status: int) -> Verdict:
    """What the HTTP status alone says, for an answer with no error in its body (both APIs)."""
    if status == 429:
        return Verdict("quota", "HTTP 429")
    if status >= 500:
        return Verdict("transient", f"HTTP {status}")
    if status >= 400:
        return Verdict("refused", f"HTTP {status}")
    return Verdict("ok")


def judge_deezer(status: int, body: Any) -> Verdict:
    """Deezer answers errors with HTTP 200 and {"error": {"type", "message", "code"}}."""
    if not isinstance(body, dict):
        return _not_json(status)
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        said = f"error {code} ({error.get('type')}: {error.get('message')})"
        if code == 800:
            return Verdict("not_found", "not on Deezer (error 800, no data)")
        if code == 4:
            return Verdict("quota", said)
        if code == 700:
            return Verdict("transient", said)
        return Verdict("refused", f"Deezer answered {said}")
    return judge_status(status)


class DeezerClient:
    """Deezer's public API (no key): a track by ISRC, an artist, an album."""

    source = "deezer"

    def __init__(self, settings: Settings, *, sandbox_date: str | None = None) -> None:
        self.transport = OpenSignalTransport(
            "deezer",
            settings.deezer_api_base_url,
            settings,
            quota=(settings.deezer_requests_per_5s, 5.0),
            judge=judge_deezer,
            sandbox_date=sandbox_date,
        )

    def track_by_isrc(self, isrc: str) -> dict:
        return self.transport.get(f"track/isrc:{quote(isrc)}", endpoint="track")

    def artist(self, artist_id: int | str) -> dict:
        return self.transport.get(f"artist/{quote(str(artist_id))}", endpoint="artist")

    def album(self, album_id: int | str) -> dict:
        return self.transport.get(f"album/{quote(str(album_id))}", endpoint="album")

    def close(self) -> None:
        self.transport.close()


# --- Last.fm ------------------------------------------------------------------------------------
LASTFM_TRANSIENT = {8, 11, 16}  # operation failed, service offline, temporary error
LASTFM_REFUSED = {4, 9, 10, 13, 26}  # the key or the request itself


def judge_lastfm(status: int, body: Any) -> Verdict:
    """Last.fm's errors are {"error": N, "message": ...}, with HTTP 200 or a 4xx status."""
    if not isinstance(body, dict):
        return _not_json(status)
    code = body.get("error")
    if isinstance(code, int):
        said = f"error {code} ({body.get('message')})"
        if code == 6:
            return Verdict("not_found", f"not on Last.fm (error 6, {body.get('message')})")
        if code == 29:
            return Verdict("quota", said)
        if code in LASTFM_TRANSIENT:
            return Verdict("transient", said)
        hint = ": check LASTFM_API_KEY" if code in LASTFM_REFUSED else ""
        return Verdict("refused", f"Last.fm answered {said}{hint}")
    return judge_status(status)


class LastfmClient:
    """Last.fm's API (a free key): track.getInfo and artist.getInfo, matched by name."""

    source = "lastfm"

    def __init__(self, settings: Settings, *, sandbox_date: str | None = None) -> None:
        rate = settings.lastfm_requests_per_second
        self.transport = OpenSignalTransport(
            "lastfm",
            settings.lastfm_api_base_url,
            settings,
            # The same rate over a 5-second window, so short bursts stay within it.
            quota=(max(1, round(rate * 5)), 5.0),
            judge=judge_lastfm,
            params={"api_key": settings.lastfm_api_key, "format": "json"},
            sandbox_date=sandbox_date,
        )

    def track_info(self, artist: str, track: str) -> dict:
        params = {"method": "track.getInfo", "artist": artist, "track": track}
        return self.transport.get("", params, endpoint="track")

    def artist_info(self, artist: str) -> dict:
        params = {"method": "artist.getInfo", "artist": artist}
        return self.transport.get("", params, endpoint="artist")

    def close(self) -> None:
        self.transport.close()
