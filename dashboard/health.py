"""What the "Pipeline health" page shows, read from files only (never from DuckDB itself):

* the ingestion runs: `$DATA_DIR/raw/runs/<date>.json`, the summary each complete run writes
  (rows per entity, API requests, retries, HTTP 429 answers, duration, tier), plus the days
  whose raw files exist without a summary (a run that stopped half-way);
* the dbt builds: `$DATA_DIR/marts/dbt_run_results.parquet`, the export of the warehouse's
  `dbt_run_results` history (one row per node per build, `warehouse.run_results`);
* source freshness: per raw entity, the newest snapshot date on disk and its age; and what the
  warehouse's last export holds (`marts/_build.json`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dashboard.data import marts_dir
from ingestion.raw_writer import RAW_ENTITIES, RAW_SUFFIX
from warehouse.dbt_runner import BUILD_COUNTS, FAILURE_STATUSES, TEST_COUNTS, build_counts

HISTORY_FILE = "dbt_run_results.parquet"
RUN_COLUMNS = [
    "snapshot_date",
    "status",
    "extracted_at",
    "duration_seconds",
    "tier",
    "mode",
    "artists",
    "top_tracks",
    "albums",
    "requests",
    "retries",
    "rate_limited",
    "skipped_artists",
    "artists_selected",
]


def data_dir() -> Path:
    """`$DATA_DIR` (the marts folder's parent), default `<repository>/data`."""
    return marts_dir().parent


def _raw_dates(folder: Path, entity: str) -> set[str]:
    path = folder / "raw" / entity
    names = (p.name for p in path.glob(f"*{RAW_SUFFIX}")) if path.is_dir() else ()
    return {name[:10] for name in names}  # <date>.csv.gz or <date>.<sha256 prefix>.csv.gz


def ingestion_runs(folder: Path | None = None, limit: int = 30) -> pd.DataFrame:
    """The last `limit` snapshot days, newest first: one row per run summary, and an
    `incomplete` row for a day with raw files but no summary."""
    folder = folder or data_dir()
    rows: dict[str, dict[str, Any]] = {}
    runs = folder / "raw" / "runs"
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else []:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rows[path.stem] = {"snapshot_date": path.stem, "status": "unreadable summary"}
            continue
        counts = summary.get("rows") or {}
        skipped = summary.get("skipped_artists") or []
        day = str(summary.get("snapshot_date") or path.stem)
        rows[day] = {
            "snapshot_date": day,
            "status": "complete" if not skipped else "complete, artists skipped",
            "extracted_at": summary.get("extracted_at"),
            "duration_seconds": summary.get("duration_seconds"),
            "tier": summary.get("tier"),
            "mode": summary.get("mode"),
            "artists": counts.get("artists"),
            "top_tracks": counts.get("top_tracks"),
            "albums": counts.get("albums"),
            "requests": summary.get("requests_total"),
            "retries": summary.get("retries"),
            "rate_limited": summary.get("rate_limited"),
            # Named: an id the API does not know must be seen to be fixed in the roster.
            "skipped_artists": ", ".join(str(s.get("id")) for s in skipped) or None,
            "artists_selected": len(summary.get("artists_selected") or []) or None,
        }
    for entity in RAW_ENTITIES:
        for day in _raw_dates(folder, entity) - set(rows):
            rows[day] = {"snapshot_date": day, "status": "incomplete (no run summary)"}
    frame = pd.DataFrame(list(rows.values()), columns=RUN_COLUMNS)
    return frame.sort_values("snapshot_date", ascending=False).head(limit).reset_index(drop=True)


def build_history(directory: Path | None = None) -> pd.DataFrame:
    """One row per node per dbt build (empty, with the columns, before the first build)."""
    path = (directory or marts_dir()) / HISTORY_FILE
    columns = ["invocation_id", "generated_at", "unique_id", "name", "resource_type", "status"]
    if not path.is_file():
        return pd.DataFrame(columns=[*columns, "failures", "execution_seconds", "message"])
    with duckdb.connect(":memory:") as con:
        return con.execute("select * from read_parquet(?)", [str(path)]).df()


# How each kind of `warehouse.dbt_runner.BUILD_COUNTS` is named and counted on every page.
COUNT_LABELS = {
    "models": "Models",
    "snapshots": "Snapshots",
    "seeds": "Seeds",
    "data_tests": "Data tests",
    "unit_tests": "Unit tests",
}
_OK = {"success", "no-op", "pass"}


def count_text(kind: str, statuses: dict[str, int]) -> str:
    """'203 passed, 1 failed' for tests, '34 built, 2 skipped' for models and snapshots."""
    ok = sum(n for status, n in statuses.items() if status in _OK)
    failed = sum(n for status, n in statuses.items() if status in FAILURE_STATUSES)
    parts = [f"{ok} {'passed' if kind in TEST_COUNTS else 'built'}"]
    for word, n in (
        ("failed", failed),
        ("warned", statuses.get("warn", 0)),
        ("skipped", statuses.get("skipped", 0)),
    ):
        if n:
            parts.append(f"{n} {word}")
    return ", ".join(parts)


def count_texts(counts: dict[str, dict[str, int]]) -> dict[str, str]:
    """Label -> text for each kind a build has nodes of (models, snapshots, data tests, ...)."""
    return {
        COUNT_LABELS[kind]: count_text(kind, counts.get(kind) or {})
        for kind in BUILD_COUNTS
        if counts.get(kind)
    }


def failed_tests(counts: dict[str, dict[str, int]]) -> int:
    """Data and unit tests that failed or errored."""
    statuses = (counts.get(kind) or {} for kind in TEST_COUNTS)
    return sum(n for found in statuses for s, n in found.items() if s in FAILURE_STATUSES)


def builds(history: pd.DataFrame, limit: int = 30) -> pd.DataFrame:
    """Per build, newest first: when, status, node seconds, and `counts` (models, snapshots,
    data tests, unit tests by status: `warehouse.dbt_runner.build_counts`, as in the build's
    summary)."""
    columns = ["invocation_id", "generated_at", "status", "node_seconds", "counts"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for invocation_id, nodes in history.groupby("invocation_id", sort=False):
        failed = nodes["status"].isin(FAILURE_STATUSES).any()
        rows.append(
            {
                "invocation_id": invocation_id,
                "generated_at": nodes["generated_at"].max(),
                "status": "failed" if failed else "success",
                "node_seconds": round(float(nodes["execution_seconds"].fillna(0).sum()), 1),
                "counts": build_counts(zip(nodes["resource_type"], nodes["status"], strict=True)),
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("generated_at", ascending=False).head(limit).reset_index(drop=True)


def failing_tests(history: pd.DataFrame, limit: int = 50) -> pd.DataFrame:
    """The tests that did not pass, newest build first."""
    if history.empty:
        return pd.DataFrame(columns=["generated_at", "name", "status", "failures", "message"])
    tests = history[(history["resource_type"] == "test") & (history["status"] != "pass")]
    tests = tests.sort_values(["generated_at", "name"], ascending=[False, True])
    return tests[["generated_at", "name", "status", "failures", "message"]].head(limit)


def freshness(
    folder: Path | None = None, build: dict | None = None, today: dt.date | None = None
) -> pd.DataFrame:
    """Per raw entity: newest snapshot date on disk, its age in days, days on disk, and the
    newest snapshot date the warehouse's last export holds."""
    folder = folder or data_dir()
    today = today or dt.datetime.now(dt.UTC).date()
    loaded = ((build or {}).get("snapshot_dates") or {}).get("last")
    rows = []
    for entity in RAW_ENTITIES:
        dates = sorted(_raw_dates(folder, entity))
        newest = dates[-1] if dates else None
        age = (today - dt.date.fromisoformat(newest)).days if newest else None
        rows.append(
            {
                "source": f"raw/{entity}",
                "newest_snapshot": newest,
                "age_days": age,
                "days_on_disk": len(dates),
                "in_warehouse_up_to": loaded,
                # The daily run extracts today at 06:00 UTC: yesterday's day is still fresh.
                "state": "missing" if newest is None else ("fresh" if age <= 1 else "stale"),
            }
        )
    return pd.DataFrame(rows)
