"""Per-model dbt results: the history table `dbt_run_results` and what the mart events carry.

After each `dbt build` (a good or a failing one) the build task calls `recorded_build`, which
reads the `run_results.json` dbt has just written and

1. appends one row per node (model, snapshot, seed, test) to `main.dbt_run_results` in the
   warehouse: invocation id, node, status, rows affected, seconds, failing rows, message
   (documented in dbt docs as the source `pipeline_audit.dbt_run_results`);
2. exports the whole table to `$DATA_DIR/marts/dbt_run_results.parquet` (the dashboard's
   pipeline health page reads it; it never opens DuckDB);
3. adds `invocation_id` and `nodes` (status, rows, seconds per node) to the build summary,
   which the mart asset events carry.

An invocation's rows are replaced, not duplicated, if it is recorded twice. A run_results.json
older than the build (dbt stopped before writing one) is ignored, so a stale file is never
recorded as this build. The build task holds the `duckdb_writer` pool: the only writer.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TABLE = "dbt_run_results"
SCHEMA = "main"
PARQUET = f"{TABLE}.parquet"
COLUMNS = (
    ("invocation_id", "varchar not null"),
    ("generated_at", "timestamp"),
    ("command", "varchar"),
    ("unique_id", "varchar not null"),
    ("name", "varchar"),
    ("resource_type", "varchar"),
    ("status", "varchar"),
    ("rows_affected", "bigint"),
    ("relation_rows", "bigint"),
    ("execution_seconds", "double"),
    ("failures", "bigint"),
    ("message", "varchar"),
    ("started_at", "timestamp"),
    ("completed_at", "timestamp"),
)
_TEXT_LIMIT = 1000  # a message is for a person reading a table, not a log dump


def run_results_path(project_dir: str | os.PathLike) -> Path:
    target = os.environ.get("DBT_TARGET_PATH") or os.path.join(project_dir, "target")
    return Path(target) / "run_results.json"


def node_rows(run_results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per node of a parsed run_results.json (the table's columns, plus `relation`)."""
    metadata = run_results.get("metadata") or {}
    args = run_results.get("args") or {}
    rows = []
    for result in run_results.get("results") or []:
        unique_id = result.get("unique_id") or ""
        parts = unique_id.split(".")  # <type>.<package>.<name>[.<hash of a test>]
        if parts[0] == "operation":  # on-run-start/end hooks: not models or tests
            continue
        timing = {t.get("name"): t for t in result.get("timing") or []}.get("execute", {})
        rows_affected = (result.get("adapter_response") or {}).get("rows_affected")
        message = result.get("message")
        rows.append(
            {
                "invocation_id": metadata.get("invocation_id"),
                "generated_at": metadata.get("generated_at"),
                "command": args.get("which") or args.get("invocation_command"),
                "unique_id": unique_id,
                "name": parts[2] if len(parts) > 2 else unique_id,
                "resource_type": parts[0] or None,
                "status": str(result.get("status")),
                "rows_affected": rows_affected
                if isinstance(rows_affected, int) and rows_affected >= 0
                else None,
                "relation_rows": None,
                "relation": result.get("relation_name"),
                "execution_seconds": round(float(result.get("execution_time") or 0.0), 3),
                "failures": result.get("failures"),
                "message": message[:_TEXT_LIMIT] if isinstance(message, str) else None,
                "started_at": timing.get("started_at"),
                "completed_at": timing.get("completed_at"),
            }
        )
    return rows


def count_relation_rows(con, rows: list[dict[str, Any]]) -> None:
    """dbt-duckdb reports no `rows_affected` for its models: set `relation_rows`, the rows of
    each built model, snapshot or seed after the build (a count DuckDB answers from metadata
    for a table). A relation that cannot be read (dropped, a failed model) stays null."""
    import duckdb

    for row in rows:
        relation = row.get("relation")
        if (
            relation
            and row["resource_type"] in ("model", "snapshot", "seed")
            and row["status"] in ("success", "no-op")
        ):
            with suppress(duckdb.Error):
                row["relation_rows"] = con.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608 - dbt's quoted relation name


def event_nodes(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The per-node results for an asset event: compact, one small dict per node."""
    return [
        {
            "node": row["unique_id"],
            "type": row["resource_type"],
            "status": row["status"],
            "rows": row["rows_affected"]
            if row["rows_affected"] is not None
            else row["relation_rows"],
            "seconds": row["execution_seconds"],
            **({"failures": row["failures"]} if row["resource_type"] == "test" else {}),
        }
        for row in rows
    ]


def append_history(con, rows: list[Mapping[str, Any]]) -> int:
    """Create `main.dbt_run_results` if needed and put `rows` in it (an invocation's earlier
    rows are replaced). Returns the rows written."""
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    con.execute(f"create table if not exists {SCHEMA}.{TABLE} ({columns})")
    if not rows:
        return 0
    names = [name for name, _ in COLUMNS]
    con.execute("begin transaction")
    try:
        for invocation in {row["invocation_id"] for row in rows}:
            con.execute(f"delete from {SCHEMA}.{TABLE} where invocation_id = ?", [invocation])  # noqa: S608
        placeholders = ", ".join("?" for _ in names)
        con.executemany(
            f"insert into {SCHEMA}.{TABLE} ({', '.join(names)}) values ({placeholders})",  # noqa: S608
            [[row.get(name) for name in names] for row in rows],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)


def export_history(con, out_dir: str | os.PathLike) -> Path:
    """Write the whole history to `<out_dir>/dbt_run_results.parquet`, atomically."""
    from warehouse.export import write_parquet

    target = Path(out_dir) / PARQUET
    target.parent.mkdir(parents=True, exist_ok=True)
    order = "order by generated_at, invocation_id, unique_id"
    write_parquet(con, f"select * from {SCHEMA}.{TABLE} {order}", target)  # noqa: S608
    return target


def record(
    run_results: Mapping[str, Any], *, duckdb_path: str | os.PathLike, marts_dir: str | os.PathLike
) -> list[dict[str, Any]]:
    """Append a build's nodes to the warehouse history and export it; return the rows."""
    import duckdb

    rows = node_rows(run_results)
    with duckdb.connect(str(duckdb_path)) as con:
        count_relation_rows(con, rows)
        append_history(con, rows)
        export_history(con, marts_dir)
    invocation = rows[0]["invocation_id"] if rows else None
    log.info("%d node results of dbt invocation %s recorded in %s", len(rows), invocation, TABLE)
    return rows


@dataclass
class BuildRecord:
    """What `recorded_build` found: the build's per-node rows (empty if dbt wrote none)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def invocation_id(self) -> str | None:
        return self.rows[0]["invocation_id"] if self.rows else None

    def summary(self, build_summary: Mapping[str, Any]) -> dict[str, Any]:
        """The build summary with this build's invocation id and per-node results."""
        summary = {**build_summary, "nodes": event_nodes(self.rows)}
        if self.invocation_id:
            summary["invocation_id"] = self.invocation_id
        return summary


def _stamp(path: Path) -> tuple[int, int] | None:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None


@contextmanager
def recorded_build(
    *,
    project_dir: str | os.PathLike,
    duckdb_path: str | os.PathLike,
    marts_dir: str | os.PathLike,
) -> Iterator[BuildRecord]:
    """Around the build: afterwards (even when it raised), record the run_results.json dbt
    wrote during it. A failure to record is logged, never hides the build's own outcome."""
    path = run_results_path(project_dir)
    before = _stamp(path)
    found = BuildRecord()
    try:
        yield found
    finally:
        if _stamp(path) in (None, before):
            log.warning("dbt wrote no new %s: nothing to record in %s", path, TABLE)
        else:
            try:
                results = json.loads(path.read_text(encoding="utf-8"))
                found.rows = record(results, duckdb_path=duckdb_path, marts_dir=marts_dir)
            except Exception as error:
                log.error("could not record the build's results in %s: %s", TABLE, error)
