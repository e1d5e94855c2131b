"""Run dbt in-process through its programmatic API and report per-node results.

    run = run_dbt(["build"], project_dir="dbt")   # a DbtRun: success, per-node results, timings
    print(format_results(run))                     # a readable table, failures first
    raise_for_failures(run)                        # DbtTestFailure naming the failing tests
    DbtRun.from_run_results("dbt/target/run_results.json")  # the same, for a build run elsewhere

dbt's `dbtRunner` allows one invocation at a time per process, and the DuckDB file allows one
writer at a time: in Airflow the task calling this holds the pool `duckdb_writer` (size 1).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Statuses that make a node (and the invocation) a failure, worst first; then the others.
FAILURE_STATUSES = ("runtime error", "error", "fail")
_ORDER = (*FAILURE_STATUSES, "warn", "skipped", "partial success", "no-op")
_RANK = {status: rank for rank, status in enumerate(_ORDER)}
BUILT_TYPES = ("model", "snapshot", "seed")  # nodes that build a relation
# What a build counts, by dbt resource type: the one definition the summary, the overview and
# the pipeline health page share. Exposures, analyses and hooks are neither built nor tested.
BUILD_COUNTS = {
    "models": ("model",),
    "snapshots": ("snapshot",),
    "seeds": ("seed",),
    "data_tests": ("test",),
    "unit_tests": ("unit_test",),
}
TEST_COUNTS = ("data_tests", "unit_tests")


def build_counts(nodes: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Per kind of `BUILD_COUNTS`, how many (resource_type, status) nodes ended in each status:
    `{"models": {"success": 34}, "data_tests": {"pass": 203}, ...}` (every kind present)."""
    found: dict[str, Counter] = {kind: Counter() for kind in BUILD_COUNTS}
    kinds = {rtype: kind for kind, rtypes in BUILD_COUNTS.items() for rtype in rtypes}
    for resource_type, status in nodes:
        kind = kinds.get(resource_type)
        if kind is not None:
            found[kind][status] += 1
    return {kind: dict(sorted(counts.items())) for kind, counts in found.items()}


class DbtError(RuntimeError):
    """A dbt invocation failed (a model, snapshot or seed error, or dbt itself)."""

    def __init__(self, message: str, run: DbtRun | None = None) -> None:
        super().__init__(message)
        self.run = run


class DbtTestFailure(DbtError):
    """One or more dbt data tests failed (or errored); the message names them."""

    def __init__(self, message: str, run: DbtRun, tests: Sequence[str]) -> None:
        super().__init__(message, run)
        self.tests = list(tests)


@dataclass(frozen=True)
class NodeResult:
    """One node of a dbt invocation, reduced to what a log or an asset event needs."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    execution_time: float
    rows: int | None = None  # rows affected / loaded, when the adapter reports it
    failures: int | None = None  # failing rows of a test
    message: str | None = None
    relation: str | None = None  # `"db"."schema"."table"` of a model, snapshot or seed
    started_at: dt.datetime | None = None  # of the node's execute step, naive UTC like dbt's
    completed_at: dt.datetime | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILURE_STATUSES

    @property
    def is_test(self) -> bool:
        return self.resource_type in ("test", "unit_test")


@dataclass
class DbtRun:
    """The outcome of one dbt command."""

    command: list[str]
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    error: str | None = None  # an exception dbt raised instead of returning results
    invocation_id: str | None = None
    manifest: Any = None  # the parsed project (of `parse`): later runs reuse it, no re-parse
    finished_at: dt.datetime | None = None  # naive UTC

    @classmethod
    def from_run_results(cls, path: str | os.PathLike) -> DbtRun:
        """The run a dbt command outside this process recorded in its `run_results.json`."""
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        nodes = []
        for result in payload.get("results") or []:
            parts = result["unique_id"].split(".")  # <type>.<package>.<name>[.<test hash>]
            nodes.append(
                NodeResult(
                    unique_id=result["unique_id"],
                    name=parts[2] if len(parts) > 2 else result["unique_id"],
                    resource_type=parts[0],
                    status=str(result.get("status")),
                    execution_time=float(result.get("execution_time") or 0.0),
                    rows=_rows(result.get("adapter_response")),
                    failures=result.get("failures"),
                    message=result.get("message"),
                    relation=result.get("relation_name"),
                    **_execute_timing(result.get("timing") or [], lambda t, key: t.get(key)),
                )
            )
        metadata, args = payload.get("metadata") or {}, payload.get("args") or {}
        return cls(
            command=[args.get("which") or "build"],
            success=not any(n.failed for n in nodes),
            nodes=nodes,
            elapsed_seconds=float(payload.get("elapsed_time") or 0.0),
            invocation_id=metadata.get("invocation_id"),
            finished_at=_utc(metadata.get("generated_at")),
        )

    @property
    def failed_nodes(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.failed]

    @property
    def failed_tests(self) -> list[NodeResult]:
        return [n for n in self.failed_nodes if n.is_test]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: the build summary of `_build.json`, XCom and the asset events."""

        def counts(kinds: tuple[str, ...]) -> dict[str, int]:
            found = Counter(n.status for n in self.nodes if n.resource_type in kinds)
            return dict(sorted(found.items()))

        return {
            "command": " ".join(self.command),
            "status": "success" if self.success else "error",
            "finished_at": f"{self.finished_at:%Y-%m-%dT%H:%M:%SZ}" if self.finished_at else None,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "invocation_id": self.invocation_id,
            "models": counts(BUILT_TYPES),
            "tests": counts(("test", "unit_test")),
            # Per kind (models, snapshots, seeds, data tests, unit tests): what every page shows.
            "counts": build_counts((n.resource_type, n.status) for n in self.nodes),
            "failed": [
                {"unique_id": n.unique_id, "status": n.status, "message": n.message}
                for n in self.failed_nodes
            ],
            "test_results": [
                {"name": n.name, "status": n.status, "failures": n.failures}
                for n in sorted(self.nodes, key=lambda n: n.name)
                if n.is_test
            ],
            "error": self.error,
        }


def node_result(result: Any) -> NodeResult:
    """Convert one dbt result object (RunResult, SourceFreshnessResult, ...) to a NodeResult."""
    node = result.node
    return NodeResult(
        unique_id=node.unique_id,
        name=node.name,
        resource_type=str(getattr(node.resource_type, "value", node.resource_type)),
        status=str(getattr(result.status, "value", result.status)),
        execution_time=float(result.execution_time or 0.0),
        rows=_rows(getattr(result, "adapter_response", None)),
        failures=result.failures,
        message=result.message if isinstance(result.message, str) else None,
        relation=getattr(node, "relation_name", None),
        **_execute_timing(getattr(result, "timing", None) or [], getattr),
    )


def _rows(adapter_response: Any) -> int | None:
    rows = (adapter_response or {}).get("rows_affected")
    return rows if isinstance(rows, int) and rows >= 0 else None


def _execute_timing(timing: Iterable[Any], get: Any) -> dict[str, dt.datetime | None]:
    """`started_at`/`completed_at` of a result's execute step (objects or run_results dicts)."""
    step = next((t for t in timing if get(t, "name") == "execute"), None)
    return {key: _utc(get(step, key)) if step else None for key in ("started_at", "completed_at")}


def _utc(value: str | dt.datetime | None) -> dt.datetime | None:
    """A naive UTC datetime, as dbt keeps them, from dbt's datetimes or their JSON strings."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def run_dbt(
    command: Sequence[str],
    *,
    project_dir: str | os.PathLike,
    profiles_dir: str | os.PathLike | None = None,
    target_path: str | os.PathLike | None = None,
    manifest: Any = None,
) -> DbtRun:
    """Invoke `dbt <command>` in this process and return its per-node results (never raises
    for a failing node: see `raise_for_failures`); with the `manifest` of an earlier `parse`,
    dbt does not parse the project again."""
    from dbt.cli.main import dbtRunner  # heavy: imported only when dbt actually runs
    from dbt_common.invocation import get_invocation_id

    args = [*command, "--project-dir", str(project_dir)]
    args += ["--profiles-dir", str(profiles_dir or project_dir)]
    if target_path:
        args += ["--target-path", str(target_path)]
    started = time.monotonic()
    try:
        outcome = dbtRunner(manifest=manifest).invoke(args)
    finally:
        close_duckdb_connection()
    results = getattr(outcome.result, "results", None) or []
    error = outcome.exception
    return DbtRun(
        command=list(command),
        success=bool(outcome.success),
        nodes=[node_result(r) for r in results if getattr(r, "node", None) is not None],
        elapsed_seconds=getattr(outcome.result, "elapsed_time", None) or time.monotonic() - started,
        error=f"{type(error).__name__}: {error}" if error is not None else None,
        # dbt sets this process-wide id at the start of each invoke(): right after it, it is
        # this invocation's (the one in run_results.json; a build's result has no metadata).
        invocation_id=get_invocation_id(),
        manifest=outcome.result if command[0] == "parse" and outcome.success else manifest,
        finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )


def close_duckdb_connection() -> None:
    """Close the read-write DuckDB connection dbt-duckdb keeps open in the process after an
    invocation: anything opening the file differently in the same process (the read-only
    export after the build, `airflow dags test`) would fail with "Can't open a connection to
    same database file with a different configuration"."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not loaded: nothing is open
        return
    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()


def sorted_for_report(nodes: Iterable[NodeResult]) -> list[NodeResult]:
    """Failures first (worst first), then warnings and skips, then the rest, in run order."""
    return sorted(nodes, key=lambda n: _RANK.get(n.status, len(_RANK)))


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}s" if isinstance(value, float) else str(value)


def format_results(run: DbtRun, *, message_width: int = 80) -> str:
    """A plain-text table of the run's nodes, failures first, with a one-line summary."""
    rows = [("status", "type", "node", "time", "rows", "failures", "message")]
    for node in sorted_for_report(run.nodes):
        message = (node.message or "").replace("\n", " ").strip() if node.failed else ""
        if len(message) > message_width:
            message = message[: message_width - 3] + "..."
        status = node.status.upper() if node.failed else node.status
        failures = _cell(node.failures) if node.is_test else "-"
        time_, rows_ = _cell(node.execution_time), _cell(node.rows)
        rows.append((status, node.resource_type, node.name, time_, rows_, failures, message))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    statuses = Counter(n.status for n in run.nodes)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "none"
    lines.append(
        f"dbt {' '.join(run.command)}: {'OK' if run.success else 'FAILED'} in "
        f"{run.elapsed_seconds:.1f}s, {len(run.nodes)} nodes ({counts})"
    )
    if run.error:
        lines.append(f"dbt error: {run.error}")
    return "\n".join(lines)


def raise_for_failures(run: DbtRun) -> None:
    """Raise if the run failed: DbtTestFailure naming every failing test, else DbtError."""
    if run.success and not run.failed_nodes:
        return
    command = " ".join(run.command)
    tests = run.failed_tests
    others = [n for n in run.failed_nodes if not n.is_test]
    if tests:
        names = ", ".join(f"{t.name} ({t.status}, {_cell(t.failures)} failing rows)" for t in tests)
        extra = f"; also failed: {', '.join(n.name for n in others)}" if others else ""
        message = f"dbt {command}: {len(tests)} test(s) failed: {names}{extra}"
        raise DbtTestFailure(message, run, [t.name for t in tests])
    if others:
        details = "; ".join(f"{n.resource_type} {n.name} {n.status}: {n.message}" for n in others)
        raise DbtError(f"dbt {command} failed: {details}", run)
    raise DbtError(f"dbt {command} failed: {run.error or 'no result (see the log above)'}", run)
