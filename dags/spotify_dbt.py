"""
### spotify_dbt

Turns the published raw days into the warehouse: scheduled on the Asset `raw_published_days`,
which `spotify_ingest` updates once per **complete** day (Spotify's day published, and each
open-signal source's day published, failed or off). One task, `dbt_build`, runs in one process
`dbt source freshness`, `dbt build` (a failing test fails the task at once, named), records every
node's result in `dbt_run_results`, exports the marts to `$DATA_DIR/marts/*.parquet` (one Asset
event per mart, with the build's summary) and regenerates the dbt docs when the project changed.
It runs in the pool `duckdb_writer` (and, on Celery, the `warehouse` queue); `max_active_runs=1`.
Failures and missed deadlines alert by email and webhook.

Details: `docs/orchestration.md` in the repository; the logic lives in
`orchestration.transform`, `warehouse.dbt_runner` and `warehouse.export`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from orchestration.alerts import PipelineAlertNotifier, deadline_alert
from orchestration.assets import (
    DBT_DAG_ID,
    DUCKDB_POOL,
    MART_MODELS,
    mart_asset,
    published_days_asset,
)
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
    dag_id=DBT_DAG_ID,
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
