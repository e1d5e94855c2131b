"""`airflow dags test`, the way Airflow users debug a DAG: every task of a run in one process.

The dbt DAG's tasks then share one Python process, so a DuckDB connection one task leaves open
breaks the next (dbt-duckdb keeps its connection after an invocation). Retries are made short
so that a failing task shows as a failure here instead of waiting out the DAG's delays.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tooling.airflow_process import (
    airflow_bin,
    airflow_environment,
    free_port,
    isolated_environment,
)

pytestmark = pytest.mark.e2e

DAY = "2026-11-20"


def _airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [airflow_bin(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_airflow_dags_test_runs_both_dags_in_one_process_each(tmp_path):
    env = airflow_environment(
        tmp_path / "home",
        free_port(),
        data_dir=tmp_path / "data",
        base_env=isolated_environment(),
        # A failure must not wait out the DAGs' retry delays (minutes): retry after 1 s.
        extra={"AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "1"},
    )
    migrated = _airflow(env, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    ingest = _airflow(env, "dags", "test", "spotify_ingest", DAY)
    assert ingest.returncode == 0, (ingest.stdout + ingest.stderr)[-5000:]
    raw = Path(env["DATA_DIR"]) / "raw"
    written = sorted(p.relative_to(raw).as_posix() for p in raw.rglob(f"{DAY}*"))
    assert written, f"spotify_ingest wrote no raw file for {DAY}"

    dbt = _airflow(env, "dags", "test", "spotify_dbt", DAY)
    log = dbt.stdout + dbt.stderr
    assert dbt.returncode == 0, log[-5000:]
    assert "different configuration" not in log
    assert "up_for_retry" not in log, "a task failed once in `airflow dags test`"

    import duckdb

    with duckdb.connect(env["DUCKDB_PATH"], read_only=True) as con:
        dates = con.execute(
            "select distinct cast(snapshot_date as varchar) from fact_track_popularity"
        ).fetchall()
    assert dates == [(DAY,)]
    assert (Path(env["DATA_DIR"]) / "marts" / "fact_track_popularity.parquet").is_file()
