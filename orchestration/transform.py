"""What the `spotify_dbt` DAG's tasks do: dbt source freshness, dbt build, docs, mart export.

Every function here opens the DuckDB file (dbt through its profile, the export read-only), so
the DAG runs them in the Airflow pool `duckdb_writer` of size 1. dbt runs in the task's own
process (`warehouse.dbt_runner`, one dbtRunner invocation per process at a time).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from orchestration.assets import REPO_ROOT, data_dir, duckdb_path

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = os.path.join(REPO_ROOT, "dbt")


def dbt_environment() -> None:
    """Absolute paths for dbt's profile (DUCKDB_PATH, DATA_DIR) and its plugin folder, whatever
    the task's working directory."""
    os.environ.setdefault("DATA_DIR", data_dir())
    os.environ.setdefault("DUCKDB_PATH", duckdb_path())
    os.environ.setdefault("DBT_PROFILES_DIR", DBT_PROJECT_DIR)
    os.environ.setdefault("DBT_PROJECT_DIR", DBT_PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.makedirs(os.path.dirname(os.environ["DUCKDB_PATH"]), exist_ok=True)


def _dbt(command: list[str]):
    from warehouse.dbt_runner import format_results, run_dbt

    dbt_environment()
    run = run_dbt(command, project_dir=DBT_PROJECT_DIR, profiles_dir=os.environ["DBT_PROFILES_DIR"])
    log.info("dbt %s results (failures first):\n%s", " ".join(command), format_results(run))
    return run


def triggering_snapshot_dates(triggering_asset_events: Mapping[Any, Iterable[Any]] | None) -> list:
    """The snapshot dates named by the raw asset events that triggered this run."""
    dates = set()
    for events in (triggering_asset_events or {}).values():
        for event in events:
            extra = getattr(event, "extra", None) or {}
            if extra.get("snapshot_date"):
                dates.add(str(extra["snapshot_date"]))
    return sorted(dates)


def raw_snapshot_dates(folder: str | None = None) -> list[str]:
    """The published snapshot dates (a run summary `raw/runs/<date>.json` written once the
    day's files were complete): the days dbt reads."""
    from ingestion.raw_writer import published_data_sources

    return sorted(published_data_sources(folder or data_dir()))


def loaded_snapshot_dates(path: str | None = None) -> list[str]:
    """Snapshot dates already in fact_track_popularity ([] before the first build)."""
    import duckdb

    path = path or duckdb_path()
    if not os.path.exists(path):
        return []
    with duckdb.connect(path, read_only=True) as con:
        found = con.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'fact_track_popularity' order by table_schema"
        ).fetchall()
        if not found:
            return []
        schema = found[0][0].replace('"', '""')
        rows = con.execute(
            f'select distinct snapshot_date from "{schema}".fact_track_popularity order by 1'  # noqa: S608
        ).fetchall()
    return [str(d) for (d,) in rows]


def new_snapshot_dates() -> list[str]:
    """Raw snapshot dates the warehouse does not hold yet: what this run's build adds."""
    loaded = set(loaded_snapshot_dates())
    return [d for d in raw_snapshot_dates() if d not in loaded]


def source_freshness() -> dict[str, Any]:
    """`dbt source freshness`. Stale sources are logged as warnings, not failures: a backfill of
    past dates is legitimately old. dbt not being able to check (a runtime error) fails."""
    from warehouse.dbt_runner import DbtError

    run = _dbt(["source", "freshness"])
    broken = [n for n in run.nodes if n.status == "runtime error"]
    if broken or (run.error and not run.nodes):
        names = ", ".join(n.name for n in broken) or run.error
        raise DbtError(f"dbt source freshness could not check: {names}", run)
    stale = [
        {"source": n.name, "status": n.status, "message": n.message}
        for n in run.nodes
        if n.status in ("warn", "error")
    ]
    for item in stale:
        log.warning("source %s is stale (%s)", item["source"], item["status"])
    return {"checked": len(run.nodes), "stale": stale}


def build() -> dict[str, Any]:
    """`dbt build` (models, snapshots and tests in DAG order); its summary for XCom. A plain
    build is right whatever days it adds (the project is order-independent on its own).

    A failing test fails the task at once (no retry: the data will not change) with the test's
    name in the error; another failure is raised as DbtError and retried (e.g. a DuckDB lock
    held by a process outside Airflow).
    """
    from warehouse.dbt_runner import DbtTestFailure, raise_for_failures

    run = _dbt(["build"])
    try:
        raise_for_failures(run)
    except DbtTestFailure as failure:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(failure)) from None
    summary = run.summary()
    summary["nodes"] = len(run.nodes)
    return summary


def docs_generate() -> dict[str, Any]:
    """`dbt docs generate`: dbt/target/index.html and catalog.json, served by `make docs`."""
    from warehouse.dbt_runner import raise_for_failures

    # The build task just compiled every node (dbt/target/manifest.json): no second compile.
    run = _dbt(["docs", "generate", "--no-compile"])
    raise_for_failures(run)
    target = os.path.join(DBT_PROJECT_DIR, "target")
    log.info("dbt docs written to %s (serve them with `make docs`)", target)
    return {"target": target, "elapsed_seconds": round(run.elapsed_seconds, 2)}


def export(build_summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """Export the marts to `$DATA_DIR/marts/*.parquet` (warehouse.export) after a good build."""
    from warehouse.export import export_marts

    dbt_environment()
    out_dir = os.path.join(data_dir(), "marts")
    payload = export_marts(duckdb_path(), out_dir, build_summary=build_summary)
    rows = {model: info["rows"] for model, info in payload["models"].items()}
    log.info("exported %d marts to %s: %s", len(rows), out_dir, rows)
    if payload.get("missing_models"):
        log.warning("marts missing from the warehouse: %s", payload["missing_models"])
    return payload


def mart_event_extra(
    model: str,
    payload: Mapping[str, Any],
    build_summary: Mapping[str, Any] | None,
    freshness: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A mart asset event's extra: its rows, the build's summary, the snapshot dates covered."""
    build_summary = build_summary or {}
    snapshots = payload.get("snapshot_dates") or {}
    return {
        "model": model,
        "rows": (payload.get("models", {}).get(model) or {}).get("rows"),
        "exported": model in payload.get("models", {}),
        "exported_at": payload.get("exported_at"),
        "build": {
            key: build_summary.get(key)
            for key in (
                "status",
                "elapsed_seconds",
                "invocation_id",
                "models",
                "tests",
                "failed",
                "nodes",  # per node: status, rows, seconds (warehouse.run_results)
            )
        },
        "snapshot_dates": {k: snapshots.get(k) for k in ("first", "last", "count")},
        "new_snapshot_dates": (freshness or {}).get("new_snapshot_dates", []),
        "triggered_by_snapshot_dates": (freshness or {}).get("triggered_by_snapshot_dates", []),
    }
