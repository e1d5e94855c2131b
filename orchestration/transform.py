"""What the `spotify_dbt` DAG does, in one task process: dbt source freshness, dbt build, the
mart export, dbt docs generate (only when the project changed).

One process for the whole run: dbt is imported and the project parsed once (dbt's partial parse
serves the next invocations), instead of once per task. It opens the DuckDB file (dbt through
its profile, the export read-only), so the DAG runs it in the Airflow pool `duckdb_writer` of
size 1; dbt runs in the task's own process (`warehouse.dbt_runner`, one invocation at a time).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ingestion.paths import REPO_ROOT, data_dir, duckdb_path

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = os.path.join(REPO_ROOT, "dbt")
# Written beside the docs: the digest of the manifest they were generated from.
DOCS_STAMP = "docs_manifest.sha256"
# Manifest fields that change from build to build when the project does not (parse times,
# compiled SQL of incremental models): not part of what the docs describe.
_VOLATILE_MANIFEST_KEYS = frozenset(
    {"metadata", "created_at", "compiled", "compiled_code", "extra_ctes", "extra_ctes_injected"}
)


def dbt_environment() -> None:
    """Absolute paths for dbt's profile (DUCKDB_PATH, DATA_DIR) and its plugin folder, whatever
    the task's working directory."""
    os.environ.setdefault("DATA_DIR", data_dir())
    os.environ.setdefault("DUCKDB_PATH", duckdb_path())
    os.environ.setdefault("DBT_PROFILES_DIR", DBT_PROJECT_DIR)
    os.environ.setdefault("DBT_PROJECT_DIR", DBT_PROJECT_DIR)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.makedirs(os.path.dirname(os.environ["DUCKDB_PATH"]), exist_ok=True)


def target_dir() -> Path:
    """dbt's target folder: manifest, run_results.json, the docs (`make docs` serves them)."""
    return Path(os.environ.get("DBT_TARGET_PATH") or os.path.join(DBT_PROJECT_DIR, "target"))


def _dbt(command: list[str], manifest: Any = None):
    from warehouse.dbt_runner import format_results, run_dbt

    dbt_environment()
    profiles = os.environ["DBT_PROFILES_DIR"]
    run = run_dbt(command, project_dir=DBT_PROJECT_DIR, profiles_dir=profiles, manifest=manifest)
    log.info("dbt %s results (failures first):\n%s", " ".join(command), format_results(run))
    return run


def run(triggering_asset_events: Mapping[Any, Iterable[Any]] | None = None) -> dict[str, Any]:
    """The whole spotify_dbt run: freshness, build (its per-node results recorded in
    `dbt_run_results`), export, docs when the project changed. Returns the mart events' extras
    (`events`, one per mart) and a compact summary for XCom (`summary`)."""
    from warehouse.dbt_runner import raise_for_failures
    from warehouse.models import MART_MODELS

    dbt_environment()
    triggered = triggering_snapshot_dates(triggering_asset_events)
    new = new_snapshot_dates()
    log.info("triggered by raw snapshot dates: %s", ", ".join(triggered) or "none (manual run)")
    log.info("raw snapshot dates not in the warehouse yet: %s", ", ".join(new) or "none")
    # Parsed once (dbt's partial parse), then shared by every dbt command of this run.
    parsed = _dbt(["parse"])
    raise_for_failures(parsed)  # a project dbt cannot parse: DbtError, with dbt's message
    manifest = parsed.manifest
    freshness = {
        **source_freshness(manifest),
        "triggered_by_snapshot_dates": triggered,
        "new_snapshot_dates": new,
    }
    summary = build(manifest)
    payload = export(summary)
    docs = docs_generate(manifest)
    events = {m: mart_event_extra(m, payload, summary, freshness) for m in MART_MODELS}
    compact = {k: summary.get(k) for k in ("status", "invocation_id", "models", "tests")}
    return {
        "events": events,
        "summary": {
            **compact,
            "new_snapshot_dates": new,
            "stale_sources": [s["source"] for s in freshness["stale"]],
            "rows": {m: info["rows"] for m, info in payload["models"].items()},
            "missing_models": payload.get("missing_models", []),
            "docs": docs,
        },
    }


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


def source_freshness(manifest: Any = None) -> dict[str, Any]:
    """`dbt source freshness`. Stale sources are logged as warnings, not failures: a backfill of
    past dates is legitimately old. dbt not being able to check (a runtime error) fails."""
    from warehouse.dbt_runner import DbtError

    run = _dbt(["source", "freshness"], manifest)
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


def build(manifest: Any = None) -> dict[str, Any]:
    """`dbt build` (models, snapshots and tests in DAG order); its summary with each node's
    result (`nodes`). A plain build is right whatever days it adds (the project is
    order-independent on its own). Its results go to `dbt_run_results` whatever the outcome.

    A failing test fails the task at once (no retry: the data will not change) with the test's
    name in the error; another failure is raised as DbtError and retried (e.g. a DuckDB lock
    held by a process outside Airflow).
    """
    from warehouse.dbt_runner import DbtTestFailure, raise_for_failures
    from warehouse.run_results import event_nodes, record

    run = _dbt(["build"], manifest)
    marts = os.path.join(data_dir(), "marts")
    recorded = record(run, duckdb_path=duckdb_path(), marts_dir=marts)
    try:
        raise_for_failures(run)
    except DbtTestFailure as failure:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(str(failure)) from None
    return {**run.summary(), "nodes": event_nodes(recorded)}


def manifest_digest(target: Path | None = None) -> str | None:
    """A digest of dbt's manifest.json without what changes from build to build (parse times,
    compiled SQL): it changes when a model, test, macro, doc, source or a path in the project
    does. None when there is no manifest."""
    path = (target or target_dir()) / "manifest.json"
    if not path.is_file():
        return None

    def stable(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: stable(v) for k, v in value.items() if k not in _VOLATILE_MANIFEST_KEYS}
        if isinstance(value, list):
            return [stable(v) for v in value]
        return value

    text = json.dumps(stable(json.loads(path.read_bytes())), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def docs_generate(manifest: Any = None) -> dict[str, Any]:
    """`dbt docs generate` (dbt/target/index.html and catalog.json, served by `make docs`), only
    when the manifest changed since the docs were last generated: the docs describe the
    project (models, columns, tests, lineage), which a daily build does not change."""
    from warehouse.dbt_runner import raise_for_failures

    target = target_dir()
    digest = manifest_digest(target)
    stamp = target / DOCS_STAMP
    current = all((target / f).is_file() for f in ("index.html", "catalog.json"))
    if digest and current and stamp.is_file() and stamp.read_text().strip() == digest:
        log.info("dbt docs in %s are current (the project did not change)", target)
        return {"target": str(target), "generated": False}
    # The build just compiled every node (target/manifest.json): no second compile.
    run = _dbt(["docs", "generate", "--no-compile"], manifest)
    raise_for_failures(run)
    if digest:
        stamp.write_text(digest + "\n")
    log.info("dbt docs written to %s (serve them with `make docs`)", target)
    return {"target": str(target), "generated": True, "seconds": round(run.elapsed_seconds, 2)}


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
