"""
### spotify_dbt

Turns the raw layer into the warehouse: runs when **all three** raw Assets (`raw_artists`,
`raw_top_tracks`, `raw_albums`) have new events, i.e. after a complete `spotify_ingest` run.

0. wait while `spotify_ingest` has queued or running runs (at most 30 minutes), so a build
   never reads a half-written day (see `orchestration.transform.wait_for_ingest`);
1. `dbt source freshness` (stale sources are logged as warnings: backfills are old on purpose);
2. `dbt build` (staging, snapshots, star schema, marts and their tests). The task log holds a
   results table (status, time, rows per node), failures first; a failing test fails the task
   with the test's name in the error;
3. export the marts to `$DATA_DIR/marts/*.parquet` for the dashboard, publishing one **Asset**
   per mart (`mart_fact_track_popularity`, ...) with the build's summary as the event's extra;
4. `dbt docs generate` (served by `make docs`).

Every task but the wait opens the DuckDB file, so they run in the pool `duckdb_writer` (1 slot)
and, with the CeleryExecutor, on the `warehouse` queue (docs/deployment.md).
`max_active_runs=1`: raw events that arrive while a run is busy stay queued and start one
follow-up run, which processes every new snapshot date (the incremental fact loads any number
of new dates at once; dbt reads every raw file, not only the triggering events' days).

The logic lives in `orchestration.transform`, `warehouse.dbt_runner` and `warehouse.export`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from orchestration.assets import DUCKDB_POOL, MART_MODELS, mart_asset, raw_asset
from orchestration.celery_settings import DEFAULT_QUEUE, WAREHOUSE_QUEUE

RAW_ASSETS = raw_asset("artists") & raw_asset("top_tracks") & raw_asset("albums")
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
}


@dag(
    dag_id="spotify_dbt",
    description="raw CSVs -> dbt build on DuckDB (snapshots, star schema, marts) -> Parquet",
    schedule=RAW_ASSETS,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["spotify", "dbt", "warehouse"],
    doc_md=__doc__,
)
def spotify_dbt():
    @task(pool="default_pool", queue=DEFAULT_QUEUE)  # opens no DuckDB file
    def wait_for_ingest_runs(**context) -> float:
        from orchestration.transform import wait_for_ingest

        ti = context["ti"]
        return wait_for_ingest(
            lambda: ti.get_dr_count(dag_id="spotify_ingest", states=["queued", "running"])
        )

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
        from orchestration.transform import build

        return build()

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
    wait_for_ingest_runs() >> freshness >> built
    built >> [export_marts(built, freshness), dbt_docs_generate()]


spotify_dbt()
