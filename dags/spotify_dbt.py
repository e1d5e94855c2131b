"""
### spotify_dbt

Turns the raw layer into the warehouse: runs on the Asset `raw_published_days`, which
`spotify_ingest` updates once per **complete** day (when it publishes the day's run summary,
after its entity files are written). dbt reads published days only, so a build never
sees a half-written day, whenever it runs.

1. `dbt source freshness` (stale sources are logged as warnings: backfills are old on purpose);
2. `dbt build` (staging, snapshots, star schema, marts and their tests). The task log holds a
   results table (status, time, rows per node), failures first; a failing test fails the task
   with the test's name in the error. Every node's result (of a failing build too) is appended
   to the warehouse table `dbt_run_results` and exported to `marts/dbt_run_results.parquet`
   (`warehouse.run_results`);
3. export the marts to `$DATA_DIR/marts/*.parquet` for the dashboard, publishing one **Asset**
   per mart (`mart_fact_track_popularity`, ...) with the build's summary as the event's extra
   (its dbt `invocation_id`, and `nodes`: each model's and test's status, rows and seconds);
4. `dbt docs generate` (served by `make docs`).

Every task opens the DuckDB file, so they run in the pool `duckdb_writer` (1 slot) and, with
the CeleryExecutor, on the `warehouse` queue (docs/deployment.md).
`max_active_runs=1`: day events that arrive while a run is busy stay queued and start one
follow-up run. A plain `dbt build` loads every published day it does not hold yet (or whose
publication changed) and gives the same warehouse whatever order days arrive in.

A task failing past its retries, or a run unfinished `$PIPELINE_DEADLINE_MINUTES` after it
was queued, sends an alert (`orchestration.alerts`).

The logic lives in `orchestration.transform`, `warehouse.dbt_runner` and `warehouse.export`.
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
    @task
    def dbt_source_freshness(**context) -> dict:
        from orchestration.transform import (
            new_snapshot_dates,
            source_freshness,
            triggering_snapshot_dates,
        )

        triggered = triggering_snapshot_dates(context.get("triggering_asset_events"))
        new = new_snapshot_dates()
        print(f"triggered by raw snapshot dates: {', '.join(triggered) or 'none (manual run)'}")
        print(f"raw snapshot dates not in the warehouse yet: {', '.join(new) or 'none'}")
        return {
            **source_freshness(),
            "triggered_by_snapshot_dates": triggered,
            "new_snapshot_dates": new,
        }

    @task
    def dbt_build() -> dict:
        from orchestration.assets import data_dir, duckdb_path
        from orchestration.transform import DBT_PROJECT_DIR, build
        from warehouse.run_results import recorded_build

        # Per-node results (even of a failing build) go to the dbt_run_results history.
        marts = f"{data_dir()}/marts"
        with recorded_build(
            project_dir=DBT_PROJECT_DIR, duckdb_path=duckdb_path(), marts_dir=marts
        ) as results:
            summary = build()
        return results.summary(summary)

    @task(outlets=list(MARTS.values()), priority_weight=10)
    def export_marts(build_summary: dict, freshness: dict, **context) -> dict:
        from orchestration.transform import export, mart_event_extra

        payload = export(build_summary)
        for model, asset in MARTS.items():
            extra = mart_event_extra(model, payload, build_summary, freshness)
            context["outlet_events"][asset].extra = extra
        return {
            "rows": {m: info["rows"] for m, info in payload["models"].items()},
            "missing_models": payload.get("missing_models", []),
            "snapshot_dates": payload.get("snapshot_dates", {}).get("dates", []),
        }

    @task
    def dbt_docs_generate() -> dict:
        from orchestration.transform import docs_generate

        return docs_generate()

    freshness = dbt_source_freshness()
    built = dbt_build()
    freshness >> built
    built >> [export_marts(built, freshness), dbt_docs_generate()]


spotify_dbt()
