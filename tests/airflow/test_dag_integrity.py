"""Every DAG file imports cleanly and follows the project's DAG rules (their import time is a
`make bench` figure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILES = sorted(DAGS.glob("*.py"))


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory, monkeypatch_module):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


@pytest.fixture(scope="module")
def monkeypatch_module(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    # A throwaway Airflow home: parsing must not need (or touch) a metadata database.
    mp.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    yield mp
    mp.undo()


def test_the_dag_folder_holds_the_two_dags():
    assert {p.name for p in DAG_FILES} == {"spotify_ingest.py", "spotify_dbt.py"}


def test_every_dag_file_imports_without_error(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"spotify_ingest", "spotify_dbt"}
    files = {Path(dag.fileloc).name for dag in dagbag.dags.values()}
    assert files == {p.name for p in DAG_FILES}


def test_every_dag_has_tags_owner_retries_and_a_utc_start_date(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags, f"{dag.dag_id} has no tags"
        # A short summary that sends the reader to the docs (one source of truth).
        assert "docs/orchestration.md" in dag.doc_md, f"{dag.dag_id}: doc_md links no docs"
        assert len(dag.doc_md.splitlines()) <= 20, f"{dag.dag_id}: doc_md copies the docs"
        assert dag.start_date is not None
        assert dag.start_date.utcoffset() == timedelta(0), f"{dag.dag_id} start date not UTC"
        assert str(dag.timezone.name) == "UTC"
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), f"{dag.dag_id}.{task.task_id}: no owner"
            assert task.retries >= 2, f"{dag.dag_id}.{task.task_id}: retries {task.retries}"
            assert task.retry_exponential_backoff > 1, f"{task.task_id}: no exponential backoff"


def test_ingest_dag_shape(dagbag):
    from orchestration.assets import raw_asset

    dag = dagbag.dags["spotify_ingest"]
    assert dag.timetable.expression == "0 6 * * *"
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    order = ["extract_artists", "extract_top_tracks", "extract_playlists", "extract_albums"]
    assert [t.task_id for t in dag.topological_sort() if t.task_id in order] == order
    # The albums task publishes the day: after every other step (playlists included).
    assert dag.get_task("extract_albums").upstream_task_ids == {"plan_run", *order[:3]}
    assert dag.get_task("extract_playlists").upstream_task_ids == {"plan_run", "extract_artists"}
    entities = ["artists", "top_tracks", "playlist_tracks", "albums"]
    for task_id, entity in zip(order, entities, strict=True):
        assert dag.get_task(task_id).outlets[0] == raw_asset(entity)
    assert raw_asset("playlist_tracks").name == "raw_playlist_tracks"
    # announce_day publishes the complete day (test below), not the albums step.
    assert dag.get_task("extract_albums").outlets[1:] == []
    # The trigger form: plan_run checks the Params first. A date range is Airflow's backfill:
    # no task of this DAG triggers other runs.
    assert dag.get_task("extract_artists").upstream_task_ids == {"plan_run"}
    assert set(dag.params) == {"artists", "access_tier"}
    open_signals = {"extract_deezer", "extract_lastfm", "open_signals_settled", "announce_day"}
    assert {t.task_id for t in dag.tasks} == {"plan_run", *order, *open_signals}


def test_the_open_signals_fail_alone_and_the_day_is_announced_once_they_settle(dagbag):
    """Each source after the tracks it looks up (top tracks, playlists), beside the albums
    step, producer of its own Asset; the complete day's event (what spotify_dbt waits for)
    needs Spotify's day published and each source's task finished, whatever its state."""
    from orchestration.assets import open_signal_asset, published_days_asset

    dag = dagbag.dags["spotify_ingest"]
    for source in ("deezer", "lastfm"):
        task = dag.get_task(f"extract_{source}")
        assert task.upstream_task_ids == {"plan_run", "extract_top_tracks", "extract_playlists"}
        assert task.outlets == [open_signal_asset(source)]
        assert task.outlets[0].name == f"raw_{source}"
        assert task.outlets[0].uri.endswith(f"/raw/runs/{source}")
        assert task.trigger_rule == "all_success"
    settled = dag.get_task("open_signals_settled")
    assert settled.upstream_task_ids == {"extract_deezer", "extract_lastfm"}
    assert settled.trigger_rule == "all_done"  # a failed or skipped source does not block
    announce = dag.get_task("announce_day")
    assert announce.upstream_task_ids == {"extract_albums", "open_signals_settled"}
    assert announce.trigger_rule == "all_success"  # no event without Spotify's day
    assert announce.outlets == [published_days_asset()]
    # The one producer of the complete day's event, and the one leaf.
    producers = [t.task_id for t in dag.tasks if published_days_asset() in t.outlets]
    assert producers == ["announce_day"]
    assert {t.task_id for t in dag.leaves} == {"announce_day"}
    with pytest.raises(ValueError, match="unknown source"):
        open_signal_asset("spotify")


def test_the_trigger_form_needs_no_artists(dagbag):
    """The form marks a typed field required unless it allows null: an empty "Artists" means the
    whole roster. (Dates are the backfill's: the form has none.)"""
    params = dagbag.dags["spotify_ingest"].params
    artists = params.get_param("artists")
    assert "null" in artists.schema["type"]
    assert artists.resolve(None) is None
    assert artists.resolve([]) == []


def test_both_dags_alert_on_task_failure_and_on_a_missed_deadline(dagbag):
    from airflow.sdk import AsyncCallback, DeadlineReference

    from orchestration.alerts import PipelineAlertNotifier

    for dag in dagbag.dags.values():
        [alert] = dag.deadline
        assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
        assert alert.interval == timedelta(minutes=90)
        assert isinstance(alert.callback, AsyncCallback)
        assert alert.callback.path == "orchestration.alerts.PipelineAlertNotifier"
        assert alert.callback.kwargs == {"kind": "deadline_missed"}
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, PipelineAlertNotifier) for c in callbacks), task.task_id


def test_dbt_dag_is_scheduled_on_complete_days_and_uses_the_pool(dagbag):
    from orchestration.assets import mart_asset, published_days_asset
    from warehouse.models import MART_MODELS

    dag = dagbag.dags["spotify_dbt"]
    condition = dag.timetable.asset_condition
    # One asset, not `published_days | raw_deezer | raw_lastfm` (a build per source, the first
    # without the open signals) nor `&` (a source down or off would never emit: no build).
    assert condition == published_days_asset()
    # One task process for freshness, build, export and docs: dbt imported and parsed once.
    assert [t.task_id for t in dag.tasks] == ["dbt_build"]
    build = dag.get_task("dbt_build")
    assert build.pool == "duckdb_writer", "the build opens DuckDB outside the pool"
    assert set(build.outlets) == {mart_asset(m) for m in MART_MODELS}


def test_the_dags_serialize(dagbag):
    from airflow.serialization.serialized_objects import DagSerialization

    for dag in dagbag.dags.values():
        DagSerialization.to_dict(dag)


@pytest.mark.parametrize("cron_data_intervals", ["True", "False"])
def test_the_daily_run_at_six_utc_extracts_its_own_day(tmp_path, cron_data_intervals):
    """The run the scheduler starts at 06:00 UTC on 2026-11-26 snapshots 2026-11-26, whatever
    `create_cron_data_intervals` says (a plain cron string would follow that setting, and with
    data intervals the 06:00 run of the 26th would have the 25th as its logical date)."""
    script = textwrap.dedent(
        """
        import sys
        from datetime import UTC, datetime
        from airflow.dag_processing.dagbag import DagBag
        from airflow.serialization.encoders import coerce_to_core_timetable
        from airflow.timetables.base import TimeRestriction
        from orchestration.ingest import snapshot_date_for

        dag = DagBag(sys.argv[1]).dags["spotify_ingest"]
        timetable = coerce_to_core_timetable(dag.timetable)
        earliest = datetime(2026, 11, 26, 3, tzinfo=UTC)  # before the day's 06:00
        info = timetable.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(earliest=earliest, latest=None, catchup=True),
        )
        print(info.run_after.isoformat(), snapshot_date_for(info.logical_date).isoformat())
        """
    )
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__SCHEDULER__CREATE_CRON_DATA_INTERVALS": cron_data_intervals,
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", script, str(DAGS)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    run_after, snapshot = result.stdout.split()[-2:]
    assert run_after == "2026-11-26T06:00:00+00:00"
    assert snapshot == "2026-11-26"


def test_queues_encode_the_duckdb_rule(dagbag):
    """CeleryExecutor routing: a task that opens the DuckDB file (every task of the pool) runs
    on the `warehouse` queue, which one worker serves; every other task on `default`. And the
    deployment has exactly one worker on `warehouse`, while every worker takes `default`."""
    from orchestration.assets import DUCKDB_POOL
    from orchestration.celery_settings import (
        DEFAULT_QUEUE,
        WAREHOUSE_QUEUE,
        WORKERS,
        warehouse_workers,
    )

    queues = {}
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            expected = WAREHOUSE_QUEUE if task.pool == DUCKDB_POOL else DEFAULT_QUEUE
            assert task.queue == expected, f"{dag.dag_id}.{task.task_id} on {task.queue}"
            queues[f"{dag.dag_id}.{task.task_id}"] = task.queue
    assert queues["spotify_dbt.dbt_build"] == WAREHOUSE_QUEUE
    assert queues["spotify_ingest.extract_albums"] == DEFAULT_QUEUE
    assert len(warehouse_workers()) == 1
    assert len(WORKERS) >= 2
    assert all(DEFAULT_QUEUE in w.queues for w in WORKERS)


def test_the_dags_import_the_runtime_package_only(tmp_path):
    """Runtime apart from tooling: importing every DAG file loads no module of `tooling` (the
    runners, the REST client, the benches), which a worker need not even have."""
    script = textwrap.dedent(
        """
        import importlib.util, json, sys
        for path in sys.argv[1:]:
            spec = importlib.util.spec_from_file_location("dag_" + str(abs(hash(path))), path)
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        loaded = [m for m in sys.modules if m == "tooling" or m.startswith("tooling.")]
        print(json.dumps({"tooling": loaded, "orchestration": "orchestration" in sys.modules}))
        """
    )
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, DAG_FILES)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"tooling": [], "orchestration": True}
