"""Per-model dbt results: the history table `dbt_run_results` and what the mart events carry.

After each `dbt build` (a good or a failing one) the build task calls `record` with the
build's results (`warehouse.dbt_runner.DbtRun`), which

1. appends one row per node (model, snapshot, seed, test) to `main.dbt_run_results` in the
   warehouse: invocation id, node, status, rows affected, seconds, failing rows, message
   (documented in dbt docs as the source `pipeline_audit.dbt_run_results`);
2. exports the whole table to `$DATA_DIR/marts/dbt_run_results.parquet` (the dashboard's
   pipeline health page reads it; it never opens DuckDB);
3. returns the rows, whose `event_nodes` (status, rows, seconds per node) the mart asset
   events carry beside the build summary.

An invocation's rows are replaced, not duplicated, if it is recorded twice. The build task
holds the `duckdb_writer` pool: the only writer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import duckdb

from warehouse.dbt_runner import BUILT_TYPES, DbtRun

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


def history_rows(run: DbtRun) -> list[dict[str, Any]]:
    """One row per node of a dbt run (the table's columns, plus `relation`)."""
    return [
        {
            "invocation_id": run.invocation_id,
            "generated_at": run.finished_at,
            "command": " ".join(run.command),
            "unique_id": node.unique_id,
            "name": node.name,
            "resource_type": node.resource_type,
            "status": node.status,
            "rows_affected": node.rows,
            "relation": node.relation,
            "execution_seconds": round(node.execution_time, 3),
            "failures": node.failures,
            "message": node.message[:_TEXT_LIMIT] if node.message else None,
            "started_at": node.started_at,
            "completed_at": node.completed_at,
        }
        for node in run.nodes
        if node.resource_type != "operation"  # on-run-start/end hooks: not models or tests
    ]


def count_relation_rows(con, rows: list[dict[str, Any]]) -> None:
    """dbt-duckdb reports no `rows_affected` for its models: add `relation_rows`, the rows of
    each built model, snapshot or seed after the build (a count DuckDB answers from metadata
    for a table). A relation that cannot be read (dropped, a failed model) stays null."""
    for row in rows:
        relation = row.get("relation")
        if (
            relation
            and row["resource_type"] in BUILT_TYPES
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
            else row.get("relation_rows"),
            "seconds": row["execution_seconds"],
            **({"failures": row["failures"]} if row["resource_type"] == "test" else {}),
        }
        for row in rows
    ]


def append_history(con, invocation_id: str, rows: list[Mapping[str, Any]]) -> int:
    """Create `main.dbt_run_results` if needed and put an invocation's `rows` in it (replacing
    its rows recorded before). Returns the rows written."""
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    con.execute(f"create table if not exists {SCHEMA}.{TABLE} ({columns})")
    names = [name for name, _ in COLUMNS]
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {SCHEMA}.{TABLE} where invocation_id = ?", [invocation_id])  # noqa: S608
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
    run: DbtRun, *, duckdb_path: str | os.PathLike, marts_dir: str | os.PathLike
) -> list[dict[str, Any]]:
    """Append a build's nodes to the warehouse history and export it; return the rows. A
    failure to record is logged and returns no rows: it never hides the build's own outcome."""
    rows = history_rows(run)
    if not rows:
        log.warning("dbt %s ran no node: nothing to record in %s", " ".join(run.command), TABLE)
        return []
    try:
        with duckdb.connect(str(duckdb_path)) as con:
            count_relation_rows(con, rows)
            append_history(con, run.invocation_id, rows)
            export_history(con, marts_dir)
    except Exception as error:
        log.error("could not record the build's results in %s: %s", TABLE, error)
        return []
    log.info(
        "%d node results of dbt invocation %s recorded in %s", len(rows), run.invocation_id, TABLE
    )
    return rows
