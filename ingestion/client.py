"""The Spotify client: spotipy 2.26 on top of one transport function.

`Transport.send` is the only place an HTTP request is made, so every rule lives there once:
the timeout, the shared rate limiter, retries with backoff for transient failures, the bounded
429 wait, the one token refresh after a 401, JSON validation, request counting, and turning
library exceptions into `IngestionError`s whose text we wrote (spotipy's and requests' messages
can quote URLs and headers, so they are never passed on).

spotipy keeps doing what it is good at (endpoint paths, id handling, paging via `next`, the
client-credentials token cache) through two small subclasses whose network calls are routed
through the transport.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials

from ingestion.errors import (
    ApiUnavailableError,
    AuthenticationError,
    ConfigError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    SpotifyApiError,
)
from ingestion.limiter import RollingWindowLimiter, backoff_delay
from ingestion.settings import Settings
from ingestion.transport_base import CountingTransport

log = logging.getLogger(__name__)

# Failures worth another attempt: the server or the network hiccuped, the request was fine.
_TRANSIENT_EXCEPTIONS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def endpoint_name(path: str) -> str:
    """Name a Web API path the way the sandbox's `request_counts` does."""
    parts = [p for p in path.split("/") if p]
    if "v1" in parts:
        parts = parts[parts.index("v1") + 1 :]
    if not parts:
        return "unknown"
    kind, rest = parts[0], parts[1:]
    if kind == "search":
        return "search"
    if kind in ("artists", "albums", "tracks"):
        if not rest:
            return kind  # the batch form: /artists?ids=...
        singular = kind[:-1]
        if len(rest) == 1:
            return singular
        sub = rest[1].replace("-", "_")
        return f"{singular}_{sub}"  # artist_albums, artist_top_tracks, album_tracks
    if kind == "playlists" and rest:
        # playlist, playlist_items (the 2026 path) or playlist_tracks (the deprecated one)
        return "playlist" if len(rest) == 1 else f"playlist_{rest[1]}"
    return kind


class Transport(CountingTransport):
    """Sends every request of a run; thread-safe; counts what it sends."""

    def __init__(
        self,
        settings: Settings,
        *,
        sandbox_date: str | None = None,
        sandbox: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(settings, spare_connections=4, sleep=sleep)
        self.limiter = RollingWindowLimiter(settings.requests_per_30s)
        self.sandbox_date = sandbox_date
        self._sandbox = sandbox
        self.credentials: Credentials | None = None
        api = urlsplit(settings.api_base_url)
        self._api_origin = (api.scheme, api.netloc)
        self._api_path = api.path

    # -- state shared with the callers -----------------------------------------------------
    @property
    def is_sandbox(self) -> bool:
        """Our own sandbox, or a server that said `X-Sandbox: 1` (a sandbox run elsewhere)."""
        return self._sandbox

    def rebase(self, url: str) -> str:
        """Keep `next` links on the configured API host.

        The real API answers with absolute api.spotify.com links; behind a proxy or a sandbox
        they must go to the configured base instead, and the bearer token must never be sent
        to a host the user did not configure.
        """
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) == self._api_origin:
            return url
        path = parts.path
        marker = "/v1/"
        if marker not in path:
            raise MalformedResponseError(
                "the API returned a paging link outside the Web API; the response is not "
                "trustworthy: check SPOTIFY_API_BASE_URL.",
                endpoint=endpoint_name(path),
            )
        rest = path.split(marker, 1)[1]
        query = f"?{parts.query}" if parts.query else ""
        return self.settings.api_base_url + rest + query

    # -- the transport function --------------------------------------------------------------
    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
    ) -> dict[str, Any]:
        """Send one logical request and return its JSON object, retrying what is worth it."""
        path = urlsplit(url).path
        endpoint = "token" if not authenticate else endpoint_name(path)
        what = f"{method} {path}"  # for messages: never the query, headers or body
        attempt = 0  # attempts spent on transient failures
        waits_429 = 0
        refreshed = False
        while True:
            request_headers = dict(headers or {})
            token = None
            if authenticate:
                token = self._token()
                request_headers["Authorization"] = f"Bearer {token}"
                if self._sandbox and self.sandbox_date:
                    # The sandbox serves any day; the real API ignores the header.
                    request_headers["X-Sandbox-Date"] = self.sandbox_date
                self.limiter.acquire()
            with self._lock:
                self.counts[endpoint] += 1
            attempt += 1
            problem = None
            unsendable = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=request_headers,
                    timeout=self.settings.request_timeout,
                )
            except _TRANSIENT_EXCEPTIONS as exc:
                problem = _describe_network_error(exc, self.settings.request_timeout)
            except requests.exceptions.RequestException as exc:
                # Not transient: a bad URL or similar configuration problem.
                unsendable = exc.__class__.__name__
            if unsendable is not None:
                # Raised outside the `except`: `from None` only hides the library exception
                # from tracebacks, while `__context__` would still hold it, and with it the
                # request's Authorization header.
                raise ConfigError(
                    f"{what} could not be sent ({unsendable}): check "
                    "SPOTIFY_API_BASE_URL and SPOTIFY_TOKEN_URL."
                )

            if problem is None:
                if response.headers.get("X-Sandbox") == "1" and not self._sandbox:
                    log.info("the server says it is the offline sandbox (X-Sandbox: 1)")
                    self._sandbox = True
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        body = json.loads(response.content)
                    except ValueError:
                        body = None
                    if isinstance(body, dict):
                        return body
                    problem = f"a malformed or truncated JSON body (HTTP {status})"
                elif status == 429:
                    waits_429 += 1
                    self._wait_for_rate_limit(response, endpoint, what, waits_429)
                    continue
                elif status == 401 and authenticate and not refreshed:
                    # Tokens can expire before `expires_in` says; one fresh token, then give up.
                    log.info("%s: HTTP 401, fetching a new access token", what)
                    refreshed = True
                    with self._lock:
                        self.retries += 1
                    assert self.credentials is not None
                    self.credentials.invalidate(token)
                    attempt -= 1  # a refresh is not a transient failure
                    continue
                elif status >= 500:
                    problem = f"HTTP {status}"
                else:
                    raise self._client_error(response, endpoint, what, authenticate)

            if attempt >= self.settings.max_attempts:
                raise (MalformedResponseError if "JSON" in problem else ApiUnavailableError)(
                    f"{what} failed {attempt} times, last with {problem}: the API is unavailable "
                    "or misbehaving; try again later (SPOTIFY_MAX_ATTEMPTS sets the attempts).",
                    endpoint=endpoint,
                )
            delay = self._backoff(attempt)
            log.warning(
                "%s: %s; retry %d/%d in %.2fs",
                what,
                problem,
                attempt,
                self.settings.max_attempts - 1,
                delay,
            )
            with self._lock:
                self.retries += 1
            self._sleep(delay)

    # -- helpers of send ---------------------------------------------------------------------
    def _token(self) -> str:
        assert self.credentials is not None, "Transport.credentials is set by SpotifyClient"
        return self.credentials.token()

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(self.settings.backoff_base, attempt)

    def _wait_for_rate_limit(
        self, response: requests.Response, endpoint: str, what: str, waits: int
    ) -> None:
        with self._lock:
            self.rate_limited += 1
        error = _error_body(response)
        reason = error.get("reason") if isinstance(error.get("reason"), str) else None
        raw = response.headers.get("Retry-After", "")
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = 1.0  # no usable header: a short, polite pause
        because = f" (reason {reason})" if reason else ""
        limit = self.settings.max_retry_after
        if retry_after > limit:
            raise RateLimitError(
                f"{what}: Spotify rate limit, HTTP 429{because}, asks to wait {retry_after:g}s, "
                f"more than SPOTIFY_MAX_RETRY_AFTER={limit:g}s: the run stops; run it again "
                "after that wait (a QUOTA_EXCEEDED quota can take hours to reset).",
                retry_after=retry_after,
                reason=reason,
                endpoint=endpoint,
            )
        if waits > self.settings.max_attempts:
            raise RateLimitError(
                f"{what}: still rate limited (HTTP 429{because}) after {waits - 1} waits: "
                "lower SPOTIFY_REQUESTS_PER_30S or SPOTIFY_MAX_WORKERS and run again.",
                retry_after=retry_after,
                reason=reason,
                endpoint=endpoint,
            )
        log.warning("%s: HTTP 429%s, waiting Retry-After=%gs", what, because, retry_after)
        # Every thread waits: the limit is the app's, not this request's.
        self.limiter.pause(retry_after)
        with self._lock:
            self.retries += 1

    def _client_error(
        self, response: requests.Response, endpoint: str, what: str, authenticate: bool
    ) -> SpotifyApiError:
        status = response.status_code
        error = _error_body(response)
        message = self.redact(str(error.get("message") or error.get("error") or ""))[:200]
        said = f": {message}" if message else ""
        if not authenticate:
            return AuthenticationError(
                f"the token endpoint refused the client credentials (HTTP {status}{said}): "
                "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (or the Airflow connection).",
                status=status,
                endpoint=endpoint,
            )
        if status == 401:
            return AuthenticationError(
                f"{what}: HTTP 401 even with a fresh access token{said}: check the app's "
                "credentials and status on developer.spotify.com.",
                status=status,
                endpoint=endpoint,
            )
        if status == 403:
            return ForbiddenError(
                f"{what}: HTTP 403{said}: this app may not call it (Development Mode apps "
                "lose batch and top-tracks endpoints); set SPOTIFY_ACCESS_TIER=development "
                "or auto.",
                status=status,
                endpoint=endpoint,
            )
        if status == 404:
            return NotFoundError(f"{what}: HTTP 404{said}", status=status, endpoint=endpoint)
        return SpotifyApiError(
            f"{what}: HTTP {status}{said}: the request was refused; check the ids and "
            "settings it was built from.",
            status=status,
            endpoint=endpoint,
        )

    def redact(self, text: str) -> str:
        """Strip any credential a server might echo back before it goes into a message."""
        secrets = [self.settings.client_secret]
        if self.credentials is not None:
            secrets.append(self.credentials.current_token() or "")
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def close(self) -> None:
        self.session.close()


def _error_body(response: requests.Response) -> dict[str, Any]:
    """The `error` object of an error response ({} when absent or not JSON)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    error = body.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):  # the accounts service: {"error": "invalid_client", ...}
        return {"error": error}
    return {}


def _describe_network_error(exc: Exception, timeout: float) -> str:
    # The class name says enough; the message would quote the URL and connection internals.
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within SPOTIFY_REQUEST_TIMEOUT={timeout:g}s"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | ConnectionResetError):
        return "a connection dropped mid-response"
    return f"a connection error ({exc.__class__.__name__})"


class Credentials(SpotifyClientCredentials):
    """spotipy's client-credentials flow with an in-memory token cache (no `.cache` file),
    the configured token URL, and its one POST routed through the transport."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        super().__init__(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            requests_session=transport.session,
            requests_timeout=settings.request_timeout,
            cache_handler=MemoryCacheHandler(),
        )
        self.OAUTH_TOKEN_URL = settings.token_url
        self._transport = transport
        self._token_lock = threading.Lock()
        transport.credentials = self

    def __repr__(self) -> str:
        return f"Credentials(token_url={self.OAUTH_TOKEN_URL!r})"

    def _request_access_token(self) -> dict[str, Any]:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        body = self._transport.send(
            "POST",
            self.OAUTH_TOKEN_URL,
            data={"grant_type": "client_credentials"},
            headers=headers,
            authenticate=False,
        )
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise MalformedResponseError(
                "the token endpoint answered without access_token/expires_in: check "
                "SPOTIFY_TOKEN_URL points at the accounts service.",
                endpoint="token",
            )
        return body

    def token(self) -> str:
        # One lock: worker threads starting together share one token request.
        with self._token_lock:
            return self.get_access_token(as_dict=False)

    def current_token(self) -> str | None:
        cached = self.cache_handler.get_cached_token()
        return cached.get("access_token") if cached else None

    def invalidate(self, stale: str | None) -> None:
        """Forget `stale` so the next call fetches a new token, unless another thread already
        replaced it (then its fresh token is used, and no second request is made)."""
        with self._token_lock:
            if self.current_token() == stale:
                self.cache_handler.save_token_to_cache(None)


class SpotifyClient(spotipy.Spotify):
    """spotipy's endpoint methods, with `_internal_call` replaced by the transport.

    spotipy's own `_internal_call` raises exceptions holding URLs and headers, returns None on
    a malformed body, and lets urllib3 sleep a whole Retry-After; ours does none of that.
    """

    def __init__(self, settings: Settings, transport: Transport) -> None:
        credentials = Credentials(settings, transport)
        super().__init__(
            auth_manager=credentials,
            requests_session=transport.session,
            requests_timeout=settings.request_timeout,
            retries=0,
            status_retries=0,
        )
        self.prefix = settings.api_base_url
        self.transport = transport

    def __repr__(self) -> str:
        return f"SpotifyClient(prefix={self.prefix!r})"

    def _internal_call(self, method, url, payload, params):
        url = self.transport.rebase(url) if url.startswith("http") else self.prefix + url
        params = {k: v for k, v in (params or {}).items() if v is not None}
        data = json.dumps(payload) if payload else None
        return self.transport.send(method, url, params=params or None, data=data)

    # Endpoints spotipy gets subtly wrong for 2026 -------------------------------------------
    def artist_top_tracks_market(self, artist_id: str, market: str = "US") -> dict[str, Any]:
        # spotipy sends `country=` and warns; the API's parameter is `market`.
        return self._get(f"artists/{artist_id}/top-tracks", market=market)

    def close(self) -> None:
        self.transport.close()
