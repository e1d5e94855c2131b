"""The DAG tasks' functions (orchestration.ingest / orchestration.transform), run directly
against the offline sandbox, without a scheduler."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from ingestion.errors import ApiUnavailableError
from ingestion.raw_writer import raw_path, staged_path
from ingestion.sandbox import Fault, FaultPlan, SandboxServer
from ingestion.settings import Settings
from orchestration import ingest, transform
from orchestration.assets import mart_asset, raw_asset

YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)


@pytest.fixture
def no_spotify_env(monkeypatch):
    for name in [
        "SPOTIFY_CLIENT_ID",
        "SPOTIFY_CLIENT_SECRET",
        "SPOTIFY_ACCESS_TIER",
        "SPOTIFY_API_BASE_URL",
        "SPOTIFY_TOKEN_URL",
    ]:
        monkeypatch.delenv(name, raising=False)


def _conn(login=None, password=None, extra=None):
    return SimpleNamespace(login=login, password=password, extra_dejson=extra or {})


def test_the_connection_wins_over_the_environment(no_spotify_env):
    env = {"SPOTIFY_CLIENT_ID": "env-id", "SPOTIFY_CLIENT_SECRET": "env-secret"}
    conn = _conn(
        "conn-id",
        "conn-secret",
        {
            "api_base_url": "http://proxy/v1",
            "token_url": "http://proxy/token",
            "tier": "development",
        },
    )
    settings, source = ingest.spotify_settings(get_connection=lambda _: conn, env=env)
    assert source == "connection"
    assert (settings.client_id, settings.client_secret) == ("conn-id", "conn-secret")
    assert settings.api_base_url == "http://proxy/v1/"
    assert settings.token_url == "http://proxy/token"
    assert settings.access_tier == "development"
    assert "conn-secret" not in repr(settings)


def test_without_a_connection_the_environment_then_the_sandbox(no_spotify_env):
    env = {"SPOTIFY_CLIENT_ID": "env-id", "SPOTIFY_CLIENT_SECRET": "env-secret"}
    settings, source = ingest.spotify_settings(get_connection=lambda _: None, env=env)
    assert (source, settings.client_id) == ("environment", "env-id")
    settings, source = ingest.spotify_settings(get_connection=lambda _: None, env={})
    assert source == "sandbox"
    assert not settings.has_credentials
    # A connection holding only URLs (no login) keeps the environment's credentials.
    conn = _conn(extra={"base_url": "http://elsewhere/v1/"})
    settings, source = ingest.spotify_settings(get_connection=lambda _: conn, env=env)
    assert (source, settings.api_base_url) == ("environment", "http://elsewhere/v1/")


def test_the_snapshot_date_is_the_logical_dates_utc_day():
    from zoneinfo import ZoneInfo

    late = datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert ingest.snapshot_date_for(late) == date(2026, 11, 21)
    assert ingest.snapshot_date_for(None, datetime(2026, 11, 19, 6, tzinfo=UTC)) == date(
        2026, 11, 19
    )


def test_the_three_steps_write_the_raw_files_and_summaries(tmp_path, no_spotify_env):
    """What the three tasks do in one run: a past date (a sandbox backfill), the tier handed
    from the first step, the merged run summary, the event extras."""
    settings, source = ingest.spotify_settings(get_connection=lambda _: None, env={})
    assert source == "sandbox"
    data = str(tmp_path)
    artists = ingest.run_step("artists", YESTERDAY, settings=settings, data_dir_path=data)
    assert artists["tier"] == "extended"
    top = ingest.run_step(
        "top_tracks", YESTERDAY, tier=artists["tier"], settings=settings, data_dir_path=data
    )
    albums = ingest.run_step(
        "albums", YESTERDAY, tier=artists["tier"], settings=settings, data_dir_path=data
    )
    day = YESTERDAY.isoformat()
    for entity in ("artists", "top_tracks", "albums"):
        assert staged_path(tmp_path, entity, day).stat().st_size > 0  # aside until published
    assert artists["rows"]["artists"] > 0
    assert top["rows"]["top_tracks"] > 0
    assert albums["rows"]["albums"] > 0

    assert transform.raw_snapshot_dates(data) == []  # not published before the summary
    summary = ingest.write_run_summary([artists, top, albums], data_dir_path=data)
    on_disk = json.loads((tmp_path / "raw" / "runs" / f"{day}.json").read_text())
    assert on_disk == summary
    assert summary["published_at"]
    assert summary["rows"] == {**artists["rows"], **top["rows"], **albums["rows"]}
    assert summary["mode"] == "sandbox"

    extra = ingest.event_extra(top, step="top_tracks", run_id="manual__x")
    for key in ("snapshot_date", "tier", "rows", "requests", "requests_total", "retries"):
        assert key in extra
    assert extra["step"] == "top_tracks"
    assert extra["snapshot_date"] == day
    json.dumps(extra)  # an asset event's extra must be JSON

    assert transform.raw_snapshot_dates(data) == [day]
    for entity in ("artists", "top_tracks", "albums"):
        assert raw_path(tmp_path, entity, day).stat().st_size > 0  # published
    # Extracting the day again leaves it published (the old version) until it is replaced.
    before = (tmp_path / "raw" / "runs" / f"{day}.json").read_bytes()
    again = ingest.run_step("artists", YESTERDAY, settings=settings, data_dir_path=data)
    assert transform.raw_snapshot_dates(data) == [day]
    assert (tmp_path / "raw" / "runs" / f"{day}.json").read_bytes() == before
    replaced = ingest.write_run_summary([again], data_dir_path=data)
    assert transform.raw_snapshot_dates(data) == [day]
    assert replaced["published_at"] > summary["published_at"]
    assert replaced["files"] == summary["files"]  # the same content: the same files


def test_the_playlist_step_and_the_published_summary_in_development_mode(tmp_path, no_spotify_env):
    """The DAG's four steps in Development Mode with a roster listing playlists: the refused
    ones fail alone and are named in the published summary; the readable one's tracks are in
    the playlist file and their albums in the albums file."""
    from ingestion.raw_writer import read_csv

    own, lofi, hits = "5dIdB7pSaQEfQeePzeGVTN", "0vvXsWCC9xrXsKd4FyS8kM", "37i9dQZF1DXcBWIGoYBM5M"
    roster = tmp_path / "roster.yml"
    roster.write_text(
        "artists:\n  - {name: Oasis, id: 2DaxqgrOhkeH0fpeiQq2f4}\n"
        f"playlists:\n  - {{name: Lofi Girl, id: {lofi}}}\n  - {hits}\n  - {own}\n"
    )
    settings = Settings(access_tier="development")
    data = str(tmp_path / "d")
    kwargs = {"settings": settings, "data_dir_path": data, "artists_file": str(roster)}
    artists = ingest.run_step("artists", YESTERDAY, **kwargs)
    top = ingest.run_step("top_tracks", YESTERDAY, tier=artists["tier"], **kwargs)
    listed = ingest.run_step("playlist_tracks", YESTERDAY, tier=artists["tier"], **kwargs)
    albums = ingest.run_step("albums", YESTERDAY, tier=artists["tier"], **kwargs)
    assert [f["id"] for f in listed["failed_playlists"]] == [lofi, hits]
    assert all(f["reason"] for f in listed["failed_playlists"])

    day = YESTERDAY.isoformat()
    rows = read_csv(staged_path(tmp_path / "d", "playlist_tracks", day))
    assert {r["playlist_id"] for r in rows} == {own}
    assert [int(r["position"]) for r in rows][:3] == [1, 2, 3]
    assert listed["rows"] == {"playlist_tracks": len(rows)} and len(rows) > 50  # noqa: PT018
    full = {
        r["album_id"]
        for r in read_csv(staged_path(tmp_path / "d", "albums", day))
        if r["source"] == "album"
    }
    assert {json.loads(r["track_json"])["album"]["id"] for r in rows} <= full

    summary = ingest.write_run_summary([artists, top, listed, albums], data_dir_path=data)
    assert summary["rows"]["playlist_tracks"] == len(rows)
    assert [f["id"] for f in summary["failed_playlists"]] == [lofi, hits]
    assert transform.raw_snapshot_dates(data) == [day]
    extra = ingest.event_extra(listed, step="playlist_tracks", run_id="manual__x")
    json.dumps(extra)


def test_a_future_date_fails_at_once_without_retry(tmp_path, no_spotify_env):
    settings = Settings()
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    with pytest.raises(AirflowFailException, match=r"SnapshotDateError: .*future"):
        ingest.run_step("artists", tomorrow, settings=settings, data_dir_path=str(tmp_path))


def test_albums_without_top_tracks_fails_at_once(tmp_path, no_spotify_env):
    with pytest.raises(AirflowFailException, match="MissingInputError"):
        ingest.run_step("albums", YESTERDAY, settings=Settings(), data_dir_path=str(tmp_path))


def test_a_persistent_outage_raises_a_retryable_error(tmp_path, no_spotify_env):
    """Persistent 503s outlast the client's retries: the error propagates as is, so Airflow
    retries the task (it is not an AirflowFailException) and nothing is written."""
    plan = FaultPlan.of(Fault("server_error", rate=1.0, status=503))
    with SandboxServer(faults=plan) as server:
        settings = Settings(
            client_id="dummy-id",
            client_secret="dummy-secret",
            api_base_url=server.api_base_url,
            token_url=server.token_url,
            max_attempts=2,
            backoff_base=0.0,
        )
        with pytest.raises(ApiUnavailableError):
            ingest.run_step("artists", YESTERDAY, settings=settings, data_dir_path=str(tmp_path))
    assert not (tmp_path / "raw" / "artists").exists() or not any(
        (tmp_path / "raw" / "artists").iterdir()
    )


def test_the_tasks_publish_the_assets_the_dbt_dag_waits_for():
    assert raw_asset("artists").uri.endswith("/raw/artists")
    assert raw_asset("artists").name == "raw_artists"
    assert mart_asset("fact_track_popularity").name == "mart_fact_track_popularity"
    with pytest.raises(ValueError, match="unknown"):
        raw_asset("playlists")
    assert raw_asset("playlist_tracks").uri.endswith("/raw/playlist_tracks")


def test_triggering_events_name_their_snapshot_dates():
    events = {
        raw_asset("artists"): [SimpleNamespace(extra={"snapshot_date": "2026-11-20"})],
        raw_asset("albums"): [
            SimpleNamespace(extra={"snapshot_date": "2026-11-21"}),
            SimpleNamespace(extra={}),
        ],
    }
    assert transform.triggering_snapshot_dates(events) == ["2026-11-20", "2026-11-21"]
    assert transform.triggering_snapshot_dates(None) == []


def test_a_mart_event_extra_carries_the_build_summary():
    payload = {
        "exported_at": "2026-11-25T08:00:00Z",
        "models": {"fact_track_popularity": {"rows": 770, "file": "x.parquet"}},
        "snapshot_dates": {"first": "2026-11-19", "last": "2026-11-25", "count": 7},
    }
    build = {"status": "success", "elapsed_seconds": 12.5, "tests": {"pass": 90}, "models": {}}
    freshness = {"new_snapshot_dates": ["2026-11-25"], "triggered_by_snapshot_dates": []}
    extra = transform.mart_event_extra("fact_track_popularity", payload, build, freshness)
    assert extra["rows"] == 770
    assert extra["build"]["status"] == "success"
    assert extra["build"]["tests"] == {"pass": 90}
    assert extra["snapshot_dates"]["count"] == 7
    assert extra["new_snapshot_dates"] == ["2026-11-25"]
    assert transform.mart_event_extra("dim_date", payload, build)["exported"] is False


def _fake_run(*nodes):
    from warehouse.dbt_runner import DbtRun, NodeResult

    results = [
        NodeResult(f"{kind}.spotify.{name}", name, kind, status, 0.1)
        for name, kind, status in nodes
    ]
    failed = any(status in ("fail", "error") for _, _, status in nodes)
    return DbtRun(["build"], success=not failed, nodes=results, invocation_id="inv-fake")


def test_the_build_task_fails_without_retry_naming_the_failing_test(monkeypatch, tmp_path):
    from warehouse.dbt_runner import DbtError

    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # where the build's results are recorded
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    failing = _fake_run(
        ("fact_track_popularity", "model", "success"),
        ("popularity_in_range_stg_spotify__tracks_popularity", "test", "fail"),
    )
    monkeypatch.setattr(transform, "_dbt", lambda command, manifest=None: failing)
    with pytest.raises(AirflowFailException, match="popularity_in_range_stg_spotify__tracks"):
        transform.build()
    # A model error is not the data's fault: DbtError, which Airflow retries.
    broken = _fake_run(("fact_track_popularity", "model", "error"))
    monkeypatch.setattr(transform, "_dbt", lambda command, manifest=None: broken)
    with pytest.raises(DbtError, match="fact_track_popularity") as info:
        transform.build()
    assert not isinstance(info.value, AirflowFailException)
    passing = _fake_run(("fact_track_popularity", "model", "success"), ("t", "test", "pass"))
    monkeypatch.setattr(transform, "_dbt", lambda command, manifest=None: passing)
    summary = transform.build()
    assert summary["status"] == "success"
    assert summary["invocation_id"] == "inv-fake"
    assert [(n["node"], n["status"]) for n in summary["nodes"]] == [
        ("model.spotify.fact_track_popularity", "success"),
        ("test.spotify.t", "pass"),
    ]


def _manifest(target, sql: str, *, created_at: float, compiled: str) -> None:
    node = {
        "raw_code": sql,
        "created_at": created_at,
        "compiled_code": compiled,
        "columns": {"track_id": {"name": "track_id"}},
    }
    manifest = {
        "metadata": {"generated_at": str(created_at), "invocation_id": str(created_at)},
        "nodes": {"model.spotify.dim_track": node},
    }
    (target / "manifest.json").write_text(json.dumps(manifest))


def test_docs_are_generated_again_only_when_the_manifest_changed(tmp_path, monkeypatch):
    """A build rewrites manifest.json every time (new parse times, invocation id, compiled SQL
    of incremental models); the docs are generated again only when the project itself did."""
    target = tmp_path / "target"
    target.mkdir()
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    calls = []

    def fake_docs(command, manifest=None):
        calls.append(command)
        (target / "index.html").write_text("<html>")
        (target / "catalog.json").write_text("{}")
        return _fake_run()

    monkeypatch.setattr(transform, "_dbt", fake_docs)
    _manifest(target, "select 1", created_at=1.0, compiled="select 1 -- full")
    assert transform.docs_generate()["generated"] is True
    assert calls == [["docs", "generate", "--no-compile"]]

    # The next build: the same project, other parse times and compiled SQL: no docs run.
    _manifest(target, "select 1", created_at=2.0, compiled="select 1 -- incremental")
    assert transform.docs_generate()["generated"] is False
    assert len(calls) == 1

    # A model changed: the docs follow.
    _manifest(target, "select 2", created_at=3.0, compiled="select 2")
    assert transform.docs_generate()["generated"] is True
    assert len(calls) == 2

    # Docs removed (a `make clean`, a new target folder): generated again.
    (target / "catalog.json").unlink()
    assert transform.docs_generate()["generated"] is True
    assert len(calls) == 3


def test_failed_docs_leave_no_stamp_and_fail(tmp_path, monkeypatch):
    from warehouse.dbt_runner import DbtError

    target = tmp_path / "target"
    target.mkdir()
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    _manifest(target, "select 1", created_at=1.0, compiled="select 1")
    broken = _fake_run(("catalog", "model", "error"))
    monkeypatch.setattr(transform, "_dbt", lambda command, manifest=None: broken)
    with pytest.raises(DbtError):
        transform.docs_generate()
    assert not (target / transform.DOCS_STAMP).exists()


LASTFM_KEY = "lfm-conn-KEY-do-not-leak-31ab"
SOURCE_DAY = date(2026, 11, 20)  # a past day: the sandbox serves it


def test_a_source_down_fails_alone_while_spotify_and_the_other_source_publish(
    tmp_path, no_spotify_env
):
    """The DAG's order: the sources run on the day's staged tracks (beside the albums step).
    Deezer down: its task raises the retryable error (Airflow retries it, then it fails) and
    its day stays unpublished; Last.fm (key from the `lastfm_default` connection) and Spotify's
    day are published, and no summary or event extra holds the key."""
    from ingestion.errors import OpenSignalError
    from ingestion.raw_writer import read_csv, source_summary_path, summary_path

    down = FaultPlan.of(
        Fault("server_error", rate=1.0, status=503, endpoints=("deezer_track", "deezer_artist"))
    )
    fast = (1000, 5.0)
    with SandboxServer(faults=down, deezer_quota=fast, lastfm_quota=fast) as server:
        settings = Settings(
            client_id="dummy-id",
            client_secret="dummy-secret",
            api_base_url=server.api_base_url,
            token_url=server.token_url,
            deezer_api_base_url=server.deezer_base_url,
            lastfm_api_base_url=server.lastfm_base_url,
            deezer_requests_per_5s=1000,
            lastfm_requests_per_second=200,
            max_attempts=2,
            backoff_base=0.0,
        )
        conns = {"lastfm_default": _conn(password=LASTFM_KEY)}
        kwargs = {"settings": settings, "data_dir_path": str(tmp_path)}
        artists = ingest.run_step("artists", SOURCE_DAY, **kwargs)
        top = ingest.run_step("top_tracks", SOURCE_DAY, tier=artists["tier"], **kwargs)
        with pytest.raises(OpenSignalError, match="deezer is unavailable"):
            ingest.run_open_signals("deezer", SOURCE_DAY, get_connection=conns.get, **kwargs)
        lastfm = ingest.run_open_signals("lastfm", SOURCE_DAY, get_connection=conns.get, **kwargs)
        albums = ingest.run_step("albums", SOURCE_DAY, tier=artists["tier"], **kwargs)
        spotify = ingest.write_run_summary([artists, top, albums], data_dir_path=str(tmp_path))

    day = SOURCE_DAY.isoformat()
    assert summary_path(tmp_path, day).exists()
    assert spotify["rows"]["top_tracks"] == top["rows"]["top_tracks"] > 0
    assert not source_summary_path(tmp_path, "deezer", day).exists()
    published = json.loads(source_summary_path(tmp_path, "lastfm", day).read_text())
    assert published == lastfm
    # Every track of the day's (staged, now published) top tracks has its Last.fm outcome.
    tracks = {r["track_id"] for r in read_csv(raw_path(tmp_path, "top_tracks", day))}
    assert lastfm["tracks"] == len(tracks) == lastfm["rows"]["lastfm_matches"]
    assert lastfm["outcomes"]["matched"] > 0
    extra = ingest.event_extra(lastfm, step="lastfm", run_id="manual__x")
    assert (extra["step"], extra["snapshot_date"], extra["source"]) == ("lastfm", day, "lastfm")
    json.dumps(extra)
    assert LASTFM_KEY not in json.dumps([lastfm, extra])
    assert LASTFM_KEY not in "".join(
        p.read_text() for p in (tmp_path / "raw" / "runs").rglob("*.json")
    )


def test_a_source_left_off_is_skipped(tmp_path, no_spotify_env):
    """OPEN_SIGNALS=off skips both; with real credentials and no Last.fm key (no connection,
    no LASTFM_API_KEY), `auto` skips Last.fm. Skipped before any file is read or written."""
    from airflow.sdk.exceptions import AirflowSkipException

    off = Settings(open_signals="off")
    for source in ("deezer", "lastfm"):
        with pytest.raises(AirflowSkipException, match=f"{source} is off"):
            ingest.run_open_signals(
                source, SOURCE_DAY, settings=off, data_dir_path=str(tmp_path),
                get_connection=lambda _: None,
            )  # fmt: skip
    real = Settings(client_id="id", client_secret="secret")
    with pytest.raises(AirflowSkipException, match="enables deezer"):
        ingest.run_open_signals(
            "lastfm", SOURCE_DAY, settings=real, data_dir_path=str(tmp_path),
            get_connection=lambda _: None,
        )  # fmt: skip
    assert not (tmp_path / "raw").exists()
    # A bad OPEN_SIGNALS fails at once (no retry) saying what to fix.
    with pytest.raises(AirflowFailException, match="ConfigError: OPEN_SIGNALS"):
        ingest.run_open_signals(
            "lastfm", SOURCE_DAY, settings=real.replace(open_signals="lastfm"),
            data_dir_path=str(tmp_path), get_connection=lambda _: None,
        )  # fmt: skip
