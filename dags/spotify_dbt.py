"""
### spotify_dbt

Turns the raw layer into the warehouse: runs on the Asset `raw_published_days`, which
`spotify_ingest` updates once per **complete** day (Spotify's day published, and each
open-signal source's day published, failed or off). dbt reads published days only, so a build
never sees a half-written day, whenever it runs. Not `raw_published_days | raw_deezer |
raw_lastfm` (up to three builds a day, the first without the open signals) nor `&` (a source
down or off emits nothing: no build at all).

One task, `dbt_build`, does the whole run in one process (dbt is imported and the project
parsed once, instead of once per step):

1. `dbt source freshness` (stale sources are logged as warnings: backfills are old on purpose);
2. `dbt build` (staging, snapshots, star schema, marts and their tests). The task log holds a
   results table (status, time, rows per node), failures first; a failing test fails the task
   at once (no retry) with the test's name in the error. Every node's result (of a failing
   build too) is appended to the warehouse table `dbt_run_results` and exported to
   `marts/dbt_run_results.parquet` (`warehouse.run_results`);
3. export the marts to `$DATA_DIR/marts/*.parquet` for the dashboard, publishing one **Asset**
   per mart (`mart_fact_track_popularity`, ...) with the build's summary as the event's extra
   (its dbt `invocation_id`, and `nodes`: each model's and test's status, rows and seconds);
4. `dbt docs generate` when the project changed since the docs were last generated (served by
   `make docs`).

The task opens the DuckDB file, so it runs in the pool `duckdb_writer` (1 slot) and, with
the CeleryExecutor, on the `warehouse` queue (docs/deployment.md).
`max_active_runs=1`: day events that arrive while a run is busy stay queued and start one
follow-up run. A plain `dbt build` loads every published day it does not hold yet (or whose
publication changed) and gives the same warehouse whatever order days arrive in.

The task failing past its retries (a retry runs the whole task again: the build is
idempotent), or a run unfinished `$PIPELINE_DEADLINE_MINUTES` after it
was queued, sends an alert (`orchestration.alerts`).

The logic lives in `orchestration.transform` (`run`), `warehouse.dbt_runner` and
`warehouse.export`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from orchestration.alerts import PipelineAlertNotifier, deadline_alert
from orchestration.assets import DUCKDB_POOL, MART_MODELS, mart_asset, published_days_asset
from orchestration.celery_settings import WAREHOUSE_QUEUE

PUBLISHED_DAYS = published_days_asset()
MARTS = {model: mart_asset(model) for model in MART_MODELS}

DEFAULT_ARGS = {
    "owner": "data-platform",
    "pool": DUCKDB_POOL,
    "queue": WAREHOUSE_QUEUE,  # CeleryExecutor: the one worker beside the DuckDB file
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": PipelineAlertNotifier("task_failure"),
}


@dag(
    dag_id="spotify_dbt",
    description="raw CSVs -> dbt build on DuckDB (snapshots, star schema, marts) -> Parquet",
    schedule=PUBLISHED_DAYS,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    deadline=deadline_alert(),
    tags=["spotify", "dbt", "warehouse"],
    doc_md=__doc__,
)
def spotify_dbt():
    @task(outlets=list(MARTS.values()))
    def dbt_build(**context) -> dict:
        from orchestration import transform

        result = transform.run(context.get("triggering_asset_events"))
        for model, extra in result["events"].items():
            context["outlet_events"][MARTS[model]].extra = extra
        return result["summary"]

    dbt_build()


spotify_dbt()
