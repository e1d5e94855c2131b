"""The Deezer and Last.fm clients against the sandbox's real HTTP paths: matching, quotas shared
across threads, retries, error bodies, and the Last.fm key kept out of every message."""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from types import SimpleNamespace

import pytest

from ingestion.errors import (
    ConfigError,
    OpenSignalError,
    OpenSignalQuotaError,
    OpenSignalRefusedError,
)
from ingestion.open_client import BadBody, DeezerClient, LastfmClient, NotFound
from ingestion.sandbox import Fault, FaultPlan, SandboxServer
from ingestion.settings import Settings

DAY = date(2026, 11, 20)
LASTFM_KEY = "lfm-Zq7-KEY-do-not-leak-91ab"


def _settings(server: SandboxServer, **overrides) -> Settings:
    values = {
        "deezer_api_base_url": server.deezer_base_url,
        "lastfm_api_base_url": server.lastfm_base_url,
        "lastfm_api_key": LASTFM_KEY,
        "backoff_base": 0.01,
        "max_attempts": 3,
        "request_timeout": 5.0,
    }
    return Settings(**{**values, **overrides})


def _dua_lipa_track(server: SandboxServer):
    catalogue = server.catalogue
    view = catalogue.view(DAY)
    artist = catalogue.artists["6M2wZ9GZgrQXHCFfjv46we"]
    return [catalogue.tracks[t] for t in view.top_track_ids(artist)]


def test_deezer_by_isrc_then_artist_and_album(sandbox):
    server = sandbox(seed=42)
    client = DeezerClient(_settings(server), sandbox_date=DAY.isoformat())
    found = missing = 0
    for track in _dua_lipa_track(server):
        try:
            obj = client.track_by_isrc(track.isrc)
        except NotFound:
            missing += 1
            continue
        found += 1
        assert obj["isrc"] == track.isrc
        assert client.artist(obj["artist"]["id"])["nb_fan"] > 0
        assert client.album(obj["album"]["id"])["id"] == obj["album"]["id"]
    assert found >= 5
    assert client.transport.stats()["requests"] == {
        "track": found + missing,
        "artist": found,
        "album": found,
    }
    assert server.request_counts["deezer_track"] == found + missing
    with pytest.raises(NotFound):
        client.track_by_isrc("ZZZZZ9900000")


def test_deezer_quota_error_is_waited_out_then_retried(sandbox):
    plan = FaultPlan.of(Fault("rate_limit", on_requests=(1, 2), endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=plan)
    client = DeezerClient(_settings(server), sandbox_date=DAY.isoformat())
    track = _dua_lipa_track(server)[0]
    with contextlib.suppress(NotFound):
        client.track_by_isrc(track.isrc)
    stats = client.transport.stats()
    assert stats["rate_limited"] == 2
    assert stats["requests"] == {"track": 3}


def test_a_persisting_quota_error_ends_the_day_with_one_clear_message(sandbox):
    plan = FaultPlan.of(Fault("rate_limit", rate=1.0, endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=plan)
    client = DeezerClient(_settings(server), sandbox_date=DAY.isoformat())
    with pytest.raises(OpenSignalQuotaError, match="still over deezer's quota after 3 waits"):
        client.track_by_isrc("GBDUW0000059")
    assert server.request_counts["deezer_track"] == 4


def test_html_pages_are_retried_then_recorded_as_bad_body(sandbox):
    plan = FaultPlan.of(Fault("malformed", rate=1.0, endpoints=("deezer_track",)))
    server = sandbox(seed=42, faults=plan)
    client = DeezerClient(_settings(server), sandbox_date=DAY.isoformat())
    with pytest.raises(BadBody, match="not JSON"):
        client.track_by_isrc("GBDUW0000059")
    assert server.request_counts["deezer_track"] == 3  # max_attempts


def test_a_source_that_is_down_fails_after_its_retries(sandbox):
    plan = FaultPlan.of(Fault("server_error", rate=1.0, status=503, endpoints=("lastfm_artist",)))
    server = sandbox(seed=42, faults=plan)
    client = LastfmClient(_settings(server), sandbox_date=DAY.isoformat())
    with pytest.raises(OpenSignalError, match="lastfm artist failed 3 times, last with HTTP 503"):
        client.artist_info("Dua Lipa")


def test_the_deezer_limit_is_shared_by_threads(sandbox):
    """60 requests from 4 threads against the documented quota (50 per 5 s): the shared limiter
    holds the last ones back, so the sandbox never answers 'quota exceeded'."""
    server = sandbox(seed=42)
    client = DeezerClient(_settings(server), sandbox_date=DAY.isoformat())

    def one(_):
        with pytest.raises(NotFound):
            client.artist(1)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(60)))
    assert client.transport.stats()["rate_limited"] == 0
    assert server.request_counts["deezer_artist"] == 60


def test_lastfm_by_name_and_its_errors(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    plan = FaultPlan.of(Fault("rate_limit", on_requests=(1,), endpoints=("lastfm_track",)))
    server = sandbox(seed=42, faults=plan)
    client = LastfmClient(_settings(server), sandbox_date=DAY.isoformat())
    hits = 0
    for track in _dua_lipa_track(server):
        if track.artist_ids[0] != "6M2wZ9GZgrQXHCFfjv46we":
            continue
        try:
            obj = client.track_info("Dua Lipa", track.name)["track"]
        except NotFound:
            continue
        hits += 1
        assert int(obj["playcount"]) >= int(obj["listeners"]) > 0
    assert hits >= 3
    assert client.transport.stats()["rate_limited"] == 1
    stats = client.artist_info("Dua Lipa")["artist"]["stats"]
    assert int(stats["playcount"]) > 0
    with pytest.raises(NotFound, match="error 6"):
        client.track_info("Dua Lipa", "No Such Song")
    # A refused key: one clear message, and the key in no message or log line.
    refused = LastfmClient(_settings(server, lastfm_api_key=""), sandbox_date=DAY.isoformat())
    with pytest.raises(OpenSignalRefusedError, match="error 10") as error:
        refused.artist_info("Dua Lipa")
    assert "LASTFM_API_KEY" in str(error.value)
    assert LASTFM_KEY not in caplog.text
    assert LASTFM_KEY not in repr(_settings(server))


def test_which_sources_a_run_extracts():
    assert Settings().open_signal_sources(sandbox=True) == ("deezer", "lastfm")
    assert Settings().open_signal_sources(sandbox=False) == ("deezer",)
    keyed = Settings(lastfm_api_key="k")
    assert keyed.open_signal_sources(sandbox=False) == ("deezer", "lastfm")
    assert Settings(open_signals="off").open_signal_sources(sandbox=True) == ()
    assert Settings(open_signals="LastFM").open_signal_sources(sandbox=True) == ("lastfm",)
    with pytest.raises(ConfigError, match="LASTFM_API_KEY is not set"):
        Settings(open_signals="lastfm").open_signal_sources(sandbox=False)
    with pytest.raises(ConfigError, match="OPEN_SIGNALS='spotify'"):
        Settings(open_signals="spotify")
    env = {"OPEN_SIGNALS": "deezer", "LASTFM_API_KEY": "k", "DEEZER_API_BASE_URL": "http://x"}
    settings = Settings.from_env(env)
    assert settings.deezer_api_base_url == "http://x/"
    assert settings.open_signal_sources(sandbox=False) == ("deezer",)


def test_the_lastfm_key_from_an_airflow_connection():
    connection = SimpleNamespace(
        password=LASTFM_KEY, extra_dejson={"api_base_url": "http://lastfm.example/2.0"}
    )
    settings = Settings().with_lastfm_connection(connection)
    assert settings.lastfm_api_key == LASTFM_KEY
    assert settings.lastfm_api_base_url == "http://lastfm.example/2.0/"
    assert settings.open_signal_sources(sandbox=False) == ("deezer", "lastfm")
    assert LASTFM_KEY not in repr(settings)
    assert Settings().with_lastfm_connection(SimpleNamespace()) == Settings()
