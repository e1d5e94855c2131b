"""End to end through the shared `airflow standalone` (conftest.py): REST-triggered ingestion of
today and yesterday, the asset-triggered dbt DAG, then a run (two days ago) that fails past its
retry budget and must leave the warehouse alone."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_helpers import TIMEOUT, fail_with_reports, settle

from ingestion.raw_writer import raw_path
from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from tooling.pipeline import logical_dates, wait_for_dbt

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _dbt_runs_on_asset_events(dag_paused):
    dag_paused(DBT_DAG_ID, False)


def _warehouse_state(airflow):
    import duckdb

    path = airflow.env["DUCKDB_PATH"]
    stat = os.stat(path)
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute(
            "select cast(snapshot_date as varchar), count(*) from fact_track_popularity "
            "group by 1 order by 1"
        ).fetchall()
    return {"mtime": stat.st_mtime_ns, "size": stat.st_size, "rows": rows}


def test_rest_triggered_ingestion_feeds_the_asset_triggered_dbt_dag(airflow):
    api = airflow.client
    since = datetime.now(UTC) - timedelta(seconds=1)
    # Yesterday and today: two runs whose events may reach spotify_dbt while it is busy.
    dates = logical_dates(2)
    run_ids = [api.trigger(INGEST_DAG_ID, d) for d in dates]
    ingest = api.wait_for_runs(INGEST_DAG_ID, run_ids, timeout=TIMEOUT)
    fail_with_reports(api, INGEST_DAG_ID, ingest.values())
    dbt_runs = wait_for_dbt(api, since, timeout=TIMEOUT)
    fail_with_reports(api, DBT_DAG_ID, dbt_runs)
    assert all(r.run_type == "asset_triggered" for r in dbt_runs)

    # The raw asset events carry the run summary of their step (this test's events: the
    # shared Airflow's other modules ingest other days).
    after = since
    days = [d.date().isoformat() for d in dates]
    for entity in ("artists", "top_tracks", "albums"):
        events = api.asset_events(f"raw_{entity}", timestamp_gte=after)
        assert sorted(e.extra["snapshot_date"] for e in events) == days
        for event in events:
            extra = event.extra
            assert event.source_dag_id == INGEST_DAG_ID
            assert extra["rows"][entity] > 0
            assert extra["requests_total"] > 0
            assert extra["retries"] == 0
            assert extra["tier"] == "extended"
            assert extra["mode"] == "sandbox"
        albums_extra = events[-1].extra
        if entity == "albums":
            rows = albums_extra["run_summary"]["rows"]
            assert set(rows) == {"artists", "top_tracks", "playlist_tracks", "albums"}
    # The playlist step runs every day; the default roster lists no playlist: no rows.
    events = api.asset_events("raw_playlist_tracks", timestamp_gte=after)
    assert sorted(e.extra["snapshot_date"] for e in events) == days
    assert all(e.extra["rows"] == {"playlist_tracks": 0} for e in events)
    assert all(e.extra["failed_playlists"] == [] for e in events)

    # One event per complete day, published by the last ingest step: what schedules dbt.
    published = api.asset_events("raw_published_days", timestamp_gte=after)
    assert sorted(e.extra["snapshot_date"] for e in published) == days
    assert all(e.extra["published_at"] for e in published)

    # The mart asset events carry the build summary.
    marts = api.asset_events("mart_fact_track_popularity")
    assert marts
    last = marts[-1].extra
    assert last["build"]["status"] == "success"
    assert last["rows"] > 0
    assert last["snapshot_dates"]["last"] == days[-1]

    # ... with the build's dbt invocation id (the same in every mart's event) and each model's
    # and test's result, which the dbt_run_results history holds too (warehouse.run_results).
    invocation = last["build"]["invocation_id"]
    assert invocation
    for model in ("dim_artist", "top_tracks", "track_movers_7d"):
        event = api.asset_events(f"mart_{model}")[-1]
        assert event.extra["build"]["invocation_id"] == invocation
    nodes = {n["node"]: n for n in last["build"]["nodes"]}
    fact = nodes["model.spotify.fact_track_popularity"]
    assert fact["type"] == "model"
    assert fact["status"] == "success"
    assert fact["seconds"] > 0
    tests = [n for n in nodes.values() if n["type"] == "test"]
    assert len(tests) > 10
    assert {n["status"] for n in tests} <= {"pass", "warn"}
    assert all(n["failures"] == 0 for n in tests if n["status"] == "pass")
    import duckdb

    with duckdb.connect(airflow.env["DUCKDB_PATH"], read_only=True) as con:
        fact_rows = con.execute("select count(*) from fact_track_popularity").fetchone()[0]
        history = con.execute(
            "select unique_id, status, relation_rows, failures from main.dbt_run_results "
            "where invocation_id = ?",
            [invocation],
        ).fetchall()
    assert fact["rows"] == fact_rows
    assert {row[0] for row in history} == set(nodes)
    by_node = {row[0]: row for row in history}
    assert by_node["model.spotify.fact_track_popularity"][1:3] == ("success", fact_rows)
    history_file = Path(airflow.env["DATA_DIR"]) / "marts" / "dbt_run_results.parquet"
    assert history_file.exists()

    # The warehouse holds both days.
    loaded = dict(_warehouse_state(airflow)["rows"])
    assert all(loaded.get(day, 0) > 0 for day in days), loaded
    assert (Path(airflow.env["DATA_DIR"]) / "marts" / "fact_track_popularity.parquet").exists()


def test_a_run_failing_past_its_retries_leaves_the_warehouse_and_dbt_alone(airflow, spotify_outage):
    api = airflow.client
    settle(api)
    before = _warehouse_state(airflow)
    dbt_runs_before = len(api.runs(DBT_DAG_ID))
    queued_before = api.queued_asset_events(DBT_DAG_ID)
    raw_events_before = len(api.asset_events("raw_artists"))
    day = logical_dates(3)[0]  # two days ago: not loaded yet
    run_id = api.trigger(INGEST_DAG_ID, day)
    run = api.wait_for_runs(INGEST_DAG_ID, [run_id], timeout=TIMEOUT)[run_id]
    assert run.state == "failed"
    tis = {ti.task_id: ti for ti in api.task_instances_of(INGEST_DAG_ID, run_id)}
    assert tis["extract_artists"].state == "failed"
    assert tis["extract_artists"].try_number == 4  # 1 try + 3 retries
    assert tis["extract_top_tracks"].state == "upstream_failed"
    report = api.failure_report(INGEST_DAG_ID, run_id)
    assert "ApiUnavailableError" in report or "503" in report, report
    assert spotify_outage not in report

    # A dbt run is created only from queued asset events; the finished run emitted none,
    # and nothing is queued: no dbt run can follow from it.
    assert len(api.asset_events("raw_artists")) == raw_events_before
    assert api.queued_asset_events(DBT_DAG_ID) == queued_before
    assert len(api.runs(DBT_DAG_ID)) == dbt_runs_before
    assert _warehouse_state(airflow) == before
    raw = raw_path(Path(airflow.env["DATA_DIR"]), "artists", f"{day:%Y-%m-%d}")
    assert not raw.exists()


def test_setting_up_the_pool_again_is_quiet(airflow):
    """`make airflow` on a home `make run` used: the pool exists. Creating it again must not
    make the api-server print a conflict traceback before the password banner."""
    api = airflow.client
    log = Path(airflow.output)
    before = log.stat().st_size
    api.ensure_pool()  # exists with the right size: nothing to do
    api.ensure_pool(slots=2)  # exists with another size: resized
    assert api.pools.get_pool("duckdb_writer").slots == 2
    api.ensure_pool()
    assert api.pools.get_pool("duckdb_writer").slots == 1
    with open(log, errors="replace") as handle:
        handle.seek(before)
        added = handle.read()
    assert "IntegrityError" not in added
    assert "Traceback" not in added
