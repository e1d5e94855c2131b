"""Each fault the sandbox injects: the run ends with the right files, or fails cleanly."""

from __future__ import annotations

import pytest
from ingestion_helpers import DAY, csv_files, raw_files, settings_for

from ingestion.errors import (
    ApiUnavailableError,
    AuthenticationError,
    MalformedResponseError,
    RateLimitError,
)
from ingestion.extract import extract_day
from ingestion.sandbox import Fault, FaultPlan


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The fault-free files of the day, to compare every recovered run with."""
    from ingestion.sandbox import SandboxServer

    folder = tmp_path_factory.mktemp("baseline")
    with SandboxServer(tier="extended") as server:
        extract_day(DAY, data_dir=folder, settings=settings_for(server))
    return csv_files(folder)


RECOVERED = {
    "429 short Retry-After": (Fault("rate_limit", on_requests=(2, 9), retry_after=1), {}),
    "5xx": (Fault("server_error", rate=0.15, status=502), {}),
    "500 then 503": (Fault("server_error", on_requests=(1, 2, 3), status=500), {}),
    "latency under the timeout": (Fault("latency", rate=0.3, delay=0.05), {}),
    "latency over the timeout": (
        Fault("latency", on_requests=(3, 20), delay=1.0),
        {"request_timeout": 0.4},
    ),
    "dropped connection": (Fault("drop", on_requests=(1, 7, 8)), {}),
    "malformed JSON": (Fault("malformed", on_requests=(2, 30)), {}),
    "truncated JSON": (Fault("truncated", on_requests=(1, 12, 40)), {}),
    "early token expiry": (Fault("expire_token", on_requests=(5,)), {}),
}


@pytest.mark.parametrize("name", list(RECOVERED))
def test_transient_faults_are_retried_to_the_same_files(sandbox, tmp_path, baseline, name):
    fault, overrides = RECOVERED[name]
    server = sandbox(tier="extended", faults=FaultPlan.of(fault, seed=3))
    summary = extract_day(DAY, data_dir=tmp_path, settings=settings_for(server, **overrides))
    assert server.fault_counts.get(fault.kind, 0) >= 1
    assert csv_files(tmp_path) == baseline
    if fault.kind != "latency" or overrides:
        assert summary["retries"] >= 1
    if fault.kind == "rate_limit":
        assert summary["rate_limited"] == 2
        assert summary["duration_seconds"] >= 1.0  # Retry-After=1 was waited out
    if fault.kind == "expire_token":
        assert summary["requests"]["token"] == 2  # one refresh
    # The client's count and the server's agree, retries included.
    assert summary["requests"] == server.request_counts


FATAL = {
    "429 over SPOTIFY_MAX_RETRY_AFTER (QUOTA_EXCEEDED)": (
        Fault("rate_limit", on_requests=(3,), retry_after=86400, quota=True),
        RateLimitError,
        r"86400s.*QUOTA_EXCEEDED|QUOTA_EXCEEDED.*86400s",
    ),
    "429 over the limit, plain": (
        Fault("rate_limit", on_requests=(1,), retry_after=61),
        RateLimitError,
        "61s",
    ),
    "5xx every time": (Fault("server_error", rate=1.0), ApiUnavailableError, "HTTP 503"),
    "timeouts every time": (
        Fault("latency", rate=1.0, delay=0.5, endpoints=("artist_albums",)),
        ApiUnavailableError,
        "SPOTIFY_REQUEST_TIMEOUT",
    ),
    "dropped every time": (Fault("drop", rate=1.0), ApiUnavailableError, "dropped|connection"),
    "malformed every time": (Fault("malformed", rate=1.0), MalformedResponseError, "JSON"),
    "truncated every time": (
        Fault("truncated", rate=1.0, endpoints=("albums",)),
        MalformedResponseError,
        "JSON",
    ),
    "token refused after refresh": (
        Fault("expire_token", rate=1.0, endpoints=("artist_top_tracks",)),
        AuthenticationError,
        "401",
    ),
}


@pytest.mark.parametrize("name", list(FATAL))
def test_fatal_faults_fail_cleanly_leaving_no_file(sandbox, tmp_path, baseline, name):
    fault, error, match = FATAL[name]
    server = sandbox(tier="extended", faults=FaultPlan.of(fault))
    settings = settings_for(server, request_timeout=0.25, max_attempts=3)
    with pytest.raises(error, match=match):
        extract_day(DAY, data_dir=tmp_path, settings=settings)
    assert raw_files(tmp_path) == {}
    if fault.kind == "expire_token":
        # One refresh, then a clear failure: neither none nor a refresh loop.
        counts = server.request_counts
        assert (counts["token"], counts["artist_top_tracks"]) == (2, 2)


def test_a_failed_rerun_leaves_the_previous_files_alone(sandbox, tmp_path, baseline):
    server = sandbox(tier="extended")
    extract_day(DAY, data_dir=tmp_path, settings=settings_for(server))
    before = raw_files(tmp_path)
    broken = sandbox(tier="extended", faults=FaultPlan.of(Fault("server_error", rate=1.0)))
    with pytest.raises(ApiUnavailableError):
        extract_day(DAY, data_dir=tmp_path, settings=settings_for(broken, max_attempts=2))
    assert raw_files(tmp_path) == before  # no temporary file left behind either
