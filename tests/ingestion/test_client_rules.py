"""The transport's rules, each checked where it would break: timeouts, the bounded pool, the
shared rate window, spotipy's retries off, backoff, the bounded 429 wait, and exceptions that
carry no credential."""

from __future__ import annotations

import base64
import threading
import time

import pytest
import requests
from ingestion_helpers import CLIENT_ID, DAY, SECRET, settings_for, write_roster
from spotipy.cache_handler import MemoryCacheHandler

import ingestion.client
from ingestion.client import SpotifyClient, Transport
from ingestion.errors import ApiUnavailableError, ConfigError, RateLimitError
from ingestion.extract import extract_day
from ingestion.limiter import MAX_BACKOFF_SECONDS, RollingWindowLimiter
from ingestion.sandbox import Fault, FaultPlan
from ingestion.settings import Settings

DUA_LIPA = "6M2wZ9GZgrQXHCFfjv46we"


def _client(server, sleep=time.sleep, **overrides) -> SpotifyClient:
    settings = settings_for(server, **overrides)
    return SpotifyClient(settings, Transport(settings, sandbox=True, sleep=sleep))


def test_every_request_has_the_timeout_and_the_pool_stays_bounded(sandbox, tmp_path, monkeypatch):
    # Latency on the per-artist endpoints makes the workers' requests overlap.
    slow = Fault("latency", rate=1.0, delay=0.03, endpoints=("artist_albums", "artist_top_tracks"))
    server = sandbox(tier="extended", faults=FaultPlan.of(slow))
    settings = settings_for(server, max_workers=3, request_timeout=2.5)
    timeouts: list[object] = []
    lock = threading.Lock()
    active = peak = 0
    original = requests.Session.request

    def watched(self, method, url, *args, **kwargs):
        nonlocal active, peak
        with lock:
            timeouts.append(kwargs.get("timeout"))
            active += 1
            peak = max(peak, active)
        try:
            return original(self, method, url, *args, **kwargs)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(requests.Session, "request", watched)
    extract_day(DAY, data_dir=tmp_path, settings=settings)

    assert len(timeouts) == sum(server.request_counts.values())  # every request seen here
    assert set(timeouts) == {2.5}
    assert 2 <= peak <= 3  # parallel, never more than SPOTIFY_MAX_WORKERS


def test_one_shared_limiter_paces_every_api_request(sandbox, tmp_path, monkeypatch):
    """The real window is 30 s; a 0.25-s one shows the same pacing in a test's time."""
    window, allowed = 0.25, 4
    limiters: list[RollingWindowLimiter] = []
    granted: list[float] = []
    lock = threading.Lock()

    class ShortWindow(RollingWindowLimiter):
        def __init__(self, max_requests: int, window_seconds: float = 30.0) -> None:
            assert window_seconds == 30.0  # what the transport asks for
            super().__init__(max_requests, window_seconds=window)
            limiters.append(self)

        def acquire(self) -> float:
            waited = super().acquire()
            with lock:
                granted.append(time.monotonic())
            return waited

    monkeypatch.setattr(ingestion.client, "RollingWindowLimiter", ShortWindow)
    server = sandbox(tier="extended")
    roster = write_roster(tmp_path / "a.yml", server.roster[:3])
    summary = extract_day(
        DAY,
        artists_file=roster,
        data_dir=tmp_path / "d",
        settings=settings_for(server, requests_per_30s=allowed, max_workers=4),
    )

    assert len(limiters) == 1  # one limiter for all worker threads
    api_requests = summary["requests_total"] - summary["requests"]["token"]
    assert len(granted) == api_requests > 2 * allowed
    granted.sort()
    for first, later in zip(granted, granted[allowed:], strict=False):
        assert later - first >= 0.8 * window  # never more than `allowed` in one window


def test_spotipy_retries_and_file_cache_are_off(sandbox):
    client = _client(sandbox())
    session = client.transport.session
    assert client._session is session
    assert client.auth_manager._session is session
    assert client.retries == 0
    assert client.status_retries == 0
    for adapter in session.adapters.values():
        assert adapter.max_retries.total == 0  # no urllib3 retry sleeping a Retry-After
    assert isinstance(client.auth_manager.cache_handler, MemoryCacheHandler)


def test_backoff_is_exponential_with_jitter_and_capped():
    transport = Transport(Settings(backoff_base=1.0))
    for attempt in range(1, 9):
        ceiling = min(MAX_BACKOFF_SECONDS, 2 ** (attempt - 1))
        delays = [transport._backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 10  # jitter


def test_transient_failures_back_off_a_bounded_number_of_times(sandbox):
    server = sandbox(faults=FaultPlan.of(Fault("server_error", rate=1.0)))
    slept: list[float] = []
    client = _client(server, sleep=slept.append, max_attempts=4, backoff_base=0.5)
    with pytest.raises(ApiUnavailableError, match="4 times"):
        client.artist(DUA_LIPA)
    assert server.request_counts["artist"] == 4
    assert len(slept) == 3
    for attempt, delay in enumerate(slept, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_a_429_within_the_limit_waits_retry_after(sandbox):
    server = sandbox(faults=FaultPlan.of(Fault("rate_limit", on_requests=(1,), retry_after=1)))
    client = _client(server, max_retry_after=1)
    started = time.monotonic()
    assert client.artist(DUA_LIPA)["id"] == DUA_LIPA
    assert time.monotonic() - started >= 0.95
    assert client.transport.stats()["rate_limited"] == 1
    assert server.request_counts["artist"] == 2


def test_a_429_over_the_configured_limit_fails_at_once_naming_wait_and_reason(sandbox):
    fault = Fault("rate_limit", on_requests=(1,), retry_after=2, quota=True)
    slept = []
    client = _client(sandbox(faults=FaultPlan.of(fault)), slept.append, max_retry_after=1)
    with pytest.raises(RateLimitError) as info:
        client.artist(DUA_LIPA)
    assert slept == []  # at once: no wait, no retry
    message = str(info.value)
    assert "2s" in message
    assert "QUOTA_EXCEEDED" in message
    assert "SPOTIFY_MAX_RETRY_AFTER=1s" in message
    assert (info.value.retry_after, info.value.reason) == (2, "QUOTA_EXCEEDED")


def test_an_unsendable_request_raises_an_error_holding_no_credential(sandbox, monkeypatch):
    """requests' exceptions keep the request, Authorization header included: it must not stay
    reachable from ours (as `__cause__` or `__context__`)."""
    client = _client(sandbox())
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()

    def refuse(method, url, **kwargs):
        prepared = requests.Request(method, url, headers=kwargs.get("headers")).prepare()
        raise requests.exceptions.InvalidURL("cannot send", request=prepared)

    monkeypatch.setattr(client.transport.session, "request", refuse)
    with pytest.raises(ConfigError, match="could not be sent") as info:
        client.artist(DUA_LIPA)
    error: BaseException | None = info.value
    while error is not None:
        request = getattr(error, "request", None)
        for text in (repr(error), str(getattr(request, "headers", ""))):
            assert SECRET not in text
            assert basic not in text
        error = error.__cause__ or error.__context__
