"""End to end on the CeleryExecutor: a private Postgres (metadata DB and Celery results), a
private Redis (broker), the api-server, scheduler, dag-processor and triggerer, and two Celery
workers (`orchestration.celery_settings.WORKERS`), every one a process of its own on free ports.

1. A worker is SIGKILLed (with every process under it, as if its machine died) in the middle
   of an ingestion task: the task is retried on the other worker, the day's raw files are
   byte-identical to a clean extraction, dbt loads each day once, and every task that opens
   the DuckDB file ran on the one warehouse worker. Then the worker comes back.
2. Redis is restarted while runs are going on: they complete, or fail with a clear message
   and a rerun completes them. (Second: after a broker restart, Celery workers no longer
   answer control commands, which the first test uses.)

The sandbox answers slowly (latency fault) so that an ingestion task lasts seconds, and the
heartbeat timeout is short, so that the kill is noticed within seconds instead of 5 minutes.
Needs Debian's postgresql and redis-server: `make test` installs them (`distributed-deps`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_helpers import TIMEOUT, fail_with_reports, settle, wait_for

from ingestion.sandbox import Fault, FaultPlan, SandboxServer
from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from orchestration.celery_settings import (
    DEFAULT_QUEUE,
    WAREHOUSE_QUEUE,
    warehouse_workers,
    worker_environment,
)
from tooling.airflow_process import isolated_environment, tail
from tooling.distributed import DistributedAirflow
from tooling.pipeline import logical_dates, wait_for_dbt

pytestmark = pytest.mark.e2e

INGEST_WORKER = "ingest-worker"
WAREHOUSE_WORKER = warehouse_workers()[0].name
SECRET = "celery-test-secret"


@pytest.fixture(scope="module")
def sandbox():
    # 0.3 s per API call, one call at a time: top tracks and albums take several seconds.
    slow = FaultPlan.of(Fault("latency", rate=1.0, delay=0.3))
    with SandboxServer(faults=slow) as server:
        yield server


def _spotify_env(sandbox, max_workers: int = 1) -> dict[str, str]:
    return {
        "SPOTIFY_CLIENT_ID": "celery-test-client",
        "SPOTIFY_CLIENT_SECRET": SECRET,
        "SPOTIFY_API_BASE_URL": sandbox.api_base_url,
        "SPOTIFY_TOKEN_URL": sandbox.token_url,
        "SPOTIFY_MAX_WORKERS": str(max_workers),
        "SPOTIFY_REQUESTS_PER_30S": "100000",
        # Real credentials would send the open signals to the real Deezer (unreachable here):
        # this test is about Celery, so they are off (their tasks skip, the day is announced).
        "OPEN_SIGNALS": "off",
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, sandbox):
    home = tmp_path_factory.mktemp("celery_home")
    data = tmp_path_factory.mktemp("celery_data")
    env = isolated_environment()
    extra = {
        **_spotify_env(sandbox),
        # A task whose worker died is noticed after 10 s without heartbeat (default 300 s),
        # looked for every 2 s, and retried 1 s later (the DAG's retry delay, capped).
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "10",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
        "AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "1",
        # A task message lost with the broker is sent again after 60 s queued (default 600 s).
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "60",
    }
    # The Postgres cluster in a folder the `postgres` user can reach (pytest's are mode 700).
    pg_dir = Path(tempfile.mkdtemp(prefix="celery-e2e-pg-"))
    started = time.monotonic()
    instance = DistributedAirflow(
        home, data_dir=data, base_env=env, extra_env=extra, postgres_dir=pg_dir
    )
    try:
        instance.start()
        print(f"\nCelery cluster up in {time.monotonic() - started:.1f}s at {instance.url}")
        yield instance
    except BaseException:
        for name in ("scheduler", INGEST_WORKER, WAREHOUSE_WORKER, "api-server"):
            print(f"--- {name}.log\n{tail(instance.logs / (name + '.log'))}")
        raise
    finally:
        processes = [p.pid for p in instance.processes.values()]
        services = [s.process.pid for s in (instance.postgres, instance.redis) if s.process]
        instance.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
        print(f"Celery e2e total: {time.monotonic() - started:.1f}s")
        for pid in processes + services:  # everything it started is gone
            assert not _alive(pid), f"process {pid} survived stop()"


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _active_tasks(cluster) -> dict[str, list[dict]]:
    """Worker name -> the Celery tasks it is running now (each with its Airflow workload)."""
    app = cluster.celery()
    try:
        active = app.control.inspect(timeout=1.0).active() or {}
    finally:
        app.close()
    return {node.split("@", 1)[0]: tasks for node, tasks in active.items()}


def _kill_worker(cluster, name: str) -> list[int]:
    """SIGKILL a worker and every process under it, as if its machine died; return PIDs."""
    import psutil

    process = cluster.processes[name]
    family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(family, timeout=10)
    process.wait(timeout=10)
    return [p.pid for p in family]


def _start_worker(cluster, name: str) -> None:
    """Start a worker again (its machine comes back)."""
    worker = next(w for w in cluster.workers if w.name == name)
    cluster.spawn_component(worker.name, worker.command(), worker_environment(worker))


def _running_ingest_task(cluster, worker: str, task_ids, run_ids) -> tuple[str, str] | None:
    """(task_id, run_id) of an ingestion task of these runs that `worker` is running now."""
    for task in _active_tasks(cluster).get(worker, []):
        text = str(task.get("args"))  # the Airflow workload: dag, task and run ids
        for task_id in task_ids:
            for run_id in run_ids:
                if task_id in text and run_id in text and INGEST_DAG_ID in text:
                    return task_id, run_id
    return None


def _raw_tree(data_dir: Path, day: str) -> dict[str, bytes]:
    """Every file of the raw layer for `day` (temporary files too), but the run summary (it
    holds durations)."""
    root = Path(data_dir) / "raw"
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and day in str(p.relative_to(root))
        and p.relative_to(root).parts[0] != "runs"
    }


def _reference_raw(sandbox, day, folder: Path) -> dict[str, bytes]:
    """The same day extracted directly (no Airflow, no fault) from the same sandbox."""
    from ingestion.extract import extract_day
    from ingestion.settings import Settings

    settings = Settings.from_env(_spotify_env(sandbox, max_workers=4))
    extract_day(day, data_dir=folder, settings=settings, allow_past_date=True)
    return _raw_tree(folder, day.isoformat())


def _fact_days(cluster) -> dict[str, tuple[int, int]]:
    """snapshot_date -> (rows, distinct tracks) in fact_track_popularity, once dbt is idle."""
    import duckdb

    # A follow-up run (after `wait_for_dbt` returned) holds the DuckDB file while it builds.
    settle(cluster.client, queued_allowed=2)
    with duckdb.connect(cluster.env["DUCKDB_PATH"], read_only=True) as con:
        rows = con.execute(
            "select cast(snapshot_date as varchar), count(*), count(distinct track_id) "
            "from fact_track_popularity group by 1 order by 1"
        ).fetchall()
    return {day: (n, distinct) for day, n, distinct in rows}


def test_a_worker_killed_mid_task_loses_nothing(cluster, sandbox, tmp_path):
    api = cluster.client
    app = cluster.celery()
    deadline = time.monotonic() + 60
    while set(nodes := cluster.worker_nodes()) != {INGEST_WORKER, WAREHOUSE_WORKER}:
        assert time.monotonic() < deadline, f"workers answering: {sorted(nodes)}"
    since = datetime.now(UTC) - timedelta(seconds=1)
    day = logical_dates(3)[0]  # two days ago: not loaded yet
    # Make the ingestion go to the worker we kill: the warehouse worker stops taking `default`
    # until the victim holds a task (a Celery control command, as an operator would send).
    app.control.cancel_consumer(DEFAULT_QUEUE, destination=[nodes[WAREHOUSE_WORKER]], reply=True)
    run_id = api.trigger(INGEST_DAG_ID, day)

    victim_task, deadline = None, time.monotonic() + TIMEOUT
    while victim_task is None:
        assert time.monotonic() < deadline, "the ingest worker never ran a long ingestion task"
        found = _running_ingest_task(
            cluster, INGEST_WORKER, ("extract_top_tracks", "extract_albums"), [run_id]
        )
        victim_task = found[0] if found else None
        time.sleep(0.3)
    app.control.add_consumer(DEFAULT_QUEUE, destination=[nodes[WAREHOUSE_WORKER]], reply=True)

    def victim_running():
        tis = api.task_instances_of(INGEST_DAG_ID, run_id)
        ti = next(t for t in tis if t.task_id == victim_task)
        return ti if ti.state == "running" else None

    ti = wait_for(victim_running, f"{victim_task} running", timeout=60, poll=0.2)
    assert ti.hostname == INGEST_WORKER
    killed = _kill_worker(cluster, INGEST_WORKER)
    print(f"\nSIGKILLed {INGEST_WORKER} ({len(killed)} processes) during {victim_task}")
    app.close()
    try:
        run = api.wait_for_runs(INGEST_DAG_ID, [run_id], timeout=TIMEOUT)[run_id]
        fail_with_reports(api, INGEST_DAG_ID, [run])
        dbt_runs = wait_for_dbt(api, since, timeout=TIMEOUT)
        fail_with_reports(api, DBT_DAG_ID, dbt_runs)
    finally:
        # The machine comes back (the warehouse worker's `default` consumer, added back by a
        # control command above, would not survive the Redis restart of the next test).
        _start_worker(cluster, INGEST_WORKER)

    # The killed try failed for want of heartbeats; the retry ran on the other worker.
    tries = api.task_instances.get_task_instance_tries(INGEST_DAG_ID, run_id, victim_task)
    by_try = {t.try_number: t for t in tries.task_instances}
    assert by_try[1].hostname == INGEST_WORKER
    assert by_try[1].state == "failed"
    final = max(by_try)
    assert final >= 2
    assert by_try[final].state == "success"
    assert by_try[final].hostname == WAREHOUSE_WORKER

    # The day's raw files are whole: byte for byte what a clean extraction of that day writes,
    # and no temporary file is left behind.
    raw = _raw_tree(Path(cluster.env["DATA_DIR"]), day.date().isoformat())
    assert raw
    assert raw == _reference_raw(sandbox, day.date(), tmp_path / "reference")

    # dbt loaded the day once (one row per track and day), beside today's scheduled run.
    loaded = _fact_days(cluster)
    assert day.date().isoformat() in loaded
    for loaded_day, (rows, distinct) in loaded.items():
        assert rows == distinct > 0, loaded_day

    # Every task that opens the DuckDB file ran on the warehouse queue, on its one worker;
    # ingestion ran on `default`.
    for dbt_run in api.runs(DBT_DAG_ID):
        for ti in api.task_instances_of(DBT_DAG_ID, dbt_run.dag_run_id):
            if ti.task_id == "wait_for_ingest_runs":
                assert ti.queue == DEFAULT_QUEUE
            elif ti.state == "success":
                assert ti.queue == WAREHOUSE_QUEUE, ti.task_id
                assert ti.hostname == WAREHOUSE_WORKER, ti.task_id
    for ingest_run in api.runs(INGEST_DAG_ID):
        for ti in api.task_instances_of(INGEST_DAG_ID, ingest_run.dag_run_id):
            assert ti.queue == DEFAULT_QUEUE
    # Nothing secret went into the task logs.
    logs = "".join(p.read_text(errors="replace") for p in (cluster.home / "logs").rglob("*.log"))
    assert SECRET not in logs
    # The worker is back before the next test.
    deadline = time.monotonic() + TIMEOUT
    while INGEST_WORKER not in cluster.ready_workers():
        assert time.monotonic() < deadline, f"{INGEST_WORKER} did not come back"
        time.sleep(1)


def test_a_redis_restart_during_runs_then_a_rerun_completes(cluster):
    api = cluster.client
    since = datetime.now(UTC) - timedelta(seconds=1)
    # Yesterday, and today (the run the scheduler created for the latest interval).
    run_ids = [api.trigger(INGEST_DAG_ID, d) for d in logical_dates(2)]
    deadline = time.monotonic() + TIMEOUT
    while not any(_active_tasks(cluster).values()):
        assert time.monotonic() < deadline, "no ingestion task started"
        time.sleep(0.3)
    cluster.redis.stop()  # the broker goes away and comes back on the same port
    cluster.redis.start()
    print("\nrestarted Redis during", run_ids)
    runs = api.wait_for_runs(INGEST_DAG_ID, run_ids, timeout=TIMEOUT)
    failed = [run_id for run_id, run in runs.items() if run.state != "success"]
    for run_id in failed:
        report = api.failure_report(INGEST_DAG_ID, run_id)
        print(f"{run_id} failed; rerunning it. Report:\n{report}")
        assert "failed after" in report or "upstream_failed" in report, report
        api.trigger(INGEST_DAG_ID, runs[run_id].logical_date)
    if failed:
        runs.update(api.wait_for_runs(INGEST_DAG_ID, failed, timeout=TIMEOUT))
    fail_with_reports(api, INGEST_DAG_ID, runs.values())
    dbt_runs = wait_for_dbt(api, since, timeout=TIMEOUT)
    fail_with_reports(api, DBT_DAG_ID, dbt_runs)
    loaded = _fact_days(cluster)
    assert sorted(loaded) == [d.date().isoformat() for d in logical_dates(3)]
    for day, (rows, distinct) in loaded.items():
        assert rows == distinct > 0, day  # one row per track and day
