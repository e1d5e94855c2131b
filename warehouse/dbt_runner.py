"""Run dbt in-process through its programmatic API and report per-node results.

    run = run_dbt(["build"])              # a DbtRun: success, per-node results, timings
    print(format_results(run))            # a readable table, failures first
    raise_for_failures(run)               # DbtTestFailure naming the failing tests, or DbtError

dbt's `dbtRunner` allows one invocation at a time per process, and the DuckDB file allows one
writer at a time: in Airflow every task calling this shares the pool `duckdb_writer` (size 1).
The project and profiles folders default to `<repo>/dbt` (docs/interfaces.md section 4).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROJECT_DIR = REPO_ROOT / "dbt"

# Statuses that make a node (and the invocation) a failure, worst first; then the others.
FAILURE_STATUSES = ("runtime error", "error", "fail")
_STATUS_ORDER = (*FAILURE_STATUSES, "warn", "skipped", "partial success", "no-op")
_TEST_TYPES = {"test", "unit_test"}


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

    @property
    def failed(self) -> bool:
        return self.status in FAILURE_STATUSES

    @property
    def is_test(self) -> bool:
        return self.resource_type in _TEST_TYPES


@dataclass
class DbtRun:
    """The outcome of one dbt command."""

    command: list[str]
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    error: str | None = None  # an exception dbt raised instead of returning results
    invocation_id: str | None = None

    @property
    def failed_nodes(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.failed]

    @property
    def failed_tests(self) -> list[NodeResult]:
        return [n for n in self.failed_nodes if n.is_test]

    def counts(self, *, tests: bool) -> dict[str, int]:
        counter = Counter(n.status for n in self.nodes if n.is_test == tests)
        return dict(sorted(counter.items()))

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the shape of `warehouse.export.summarize_run_results`)."""
        return {
            "command": " ".join(self.command),
            "status": "success" if self.success else "error",
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "invocation_id": self.invocation_id,
            "models": self.counts(tests=False),
            "tests": self.counts(tests=True),
            "failed": [
                {"unique_id": n.unique_id, "status": n.status, "message": n.message}
                for n in self.failed_nodes
            ],
            "test_results": sorted(
                (
                    {"name": n.name, "status": n.status, "failures": n.failures}
                    for n in self.nodes
                    if n.is_test
                ),
                key=lambda t: t["name"],
            ),
            "error": self.error,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "summary": self.summary()}


def _status_rank(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else len(_STATUS_ORDER)


def _rows(adapter_response: Mapping[str, Any] | None) -> int | None:
    value = (adapter_response or {}).get("rows_affected")
    return value if isinstance(value, int) and value >= 0 else None


def node_result(result: Any) -> NodeResult:
    """Convert one dbt result object (RunResult, SourceFreshnessResult, ...) to a NodeResult."""
    node = result.node
    status = str(getattr(result.status, "value", result.status))
    message = result.message if isinstance(result.message, str) else None
    return NodeResult(
        unique_id=node.unique_id,
        name=node.name,
        resource_type=str(getattr(node.resource_type, "value", node.resource_type)),
        status=status,
        execution_time=float(result.execution_time or 0.0),
        rows=_rows(getattr(result, "adapter_response", None)),
        failures=result.failures,
        message=message,
        relation=getattr(node, "relation_name", None),
    )


def dbt_args(
    command: Sequence[str],
    *,
    project_dir: str | os.PathLike | None = None,
    profiles_dir: str | os.PathLike | None = None,
    target_path: str | os.PathLike | None = None,
) -> list[str]:
    """The full argument list: the command, then the project, profiles and target folders."""
    project = Path(project_dir) if project_dir else DEFAULT_PROJECT_DIR
    profiles = profiles_dir or os.environ.get("DBT_PROFILES_DIR") or project
    args = [*command, "--project-dir", str(project), "--profiles-dir", str(profiles)]
    if target_path:
        args += ["--target-path", str(target_path)]
    return args


def run_dbt(
    command: Sequence[str],
    *,
    project_dir: str | os.PathLike | None = None,
    profiles_dir: str | os.PathLike | None = None,
    target_path: str | os.PathLike | None = None,
) -> DbtRun:
    """Invoke `dbt <command>` in this process and return its per-node results.

    Never raises for a failing node: check `DbtRun.success` or call `raise_for_failures`.
    """
    from dbt.cli.main import dbtRunner  # heavy: imported only when dbt actually runs

    args = dbt_args(
        command, project_dir=project_dir, profiles_dir=profiles_dir, target_path=target_path
    )
    started = time.monotonic()
    try:
        outcome = dbtRunner().invoke(args)
    finally:
        close_duckdb_connection()
    elapsed = time.monotonic() - started
    results = getattr(outcome.result, "results", None) or []
    nodes = [node_result(r) for r in results if getattr(r, "node", None) is not None]
    invocation_id = None
    metadata = getattr(outcome.result, "metadata", None)
    if metadata is not None:
        invocation_id = getattr(metadata, "invocation_id", None)
    if invocation_id is None:
        # A RunExecutionResult (what `build`, `run`, `test` return) has no metadata: only the
        # run_results.json artifact does. dbt resets this process-wide id at the start of each
        # invoke(), so right after it, it is this invocation's (the one in run_results.json).
        from dbt_common.invocation import get_invocation_id

        invocation_id = get_invocation_id()
    error = None
    if outcome.exception is not None:
        error = f"{type(outcome.exception).__name__}: {outcome.exception}"
    return DbtRun(
        command=list(command),
        success=bool(outcome.success),
        nodes=nodes,
        elapsed_seconds=getattr(outcome.result, "elapsed_time", None) or elapsed,
        error=error,
        invocation_id=invocation_id,
    )


def close_duckdb_connection() -> None:
    """Close the DuckDB connection dbt-duckdb keeps open in the process after an invocation.

    dbt-duckdb caches one connection per process and only drops its reference when dbt ends, so
    the database file stays open, read-write. Anything else in the same process that opens the
    file differently (a read-only connection, or the next dbt command with other settings)
    then fails with "Can't open a connection to same database file with a different
    configuration", which is what happens when several tasks share one process
    (`airflow dags test`). Closing it after every invocation leaves the file free.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not loaded: nothing is open
        return
    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()


def sorted_for_report(nodes: Iterable[NodeResult]) -> list[NodeResult]:
    """Failures first (worst status first), then warnings and skips, then the rest; each group
    in execution order."""
    indexed = list(enumerate(nodes))
    indexed.sort(key=lambda pair: (_status_rank(pair[1].status), pair[0]))
    return [node for _, node in indexed]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}s"
    return str(value)


def format_results(run: DbtRun, *, message_width: int = 80) -> str:
    """A plain-text table of the run's nodes, failures first, with a one-line summary."""
    headers = ("status", "type", "node", "time", "rows", "failures", "message")
    rows = []
    for node in sorted_for_report(run.nodes):
        message = (node.message or "").replace("\n", " ").strip() if node.failed else ""
        if len(message) > message_width:
            message = message[: message_width - 3] + "..."
        rows.append(
            (
                node.status.upper() if node.failed else node.status,
                node.resource_type,
                node.name,
                _cell(node.execution_time),
                _cell(node.rows),
                _cell(node.failures) if node.is_test else "-",
                message,
            )
        )
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    statuses = Counter(n.status for n in run.nodes)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())) or "none"
    outcome = "OK" if run.success else "FAILED"
    lines.append(
        f"dbt {' '.join(run.command)}: {outcome} in {run.elapsed_seconds:.1f}s, "
        f"{len(run.nodes)} nodes ({counts})"
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
    if tests:
        names = ", ".join(f"{t.name} ({t.status}, {_cell(t.failures)} failing rows)" for t in tests)
        others = [n for n in run.failed_nodes if not n.is_test]
        extra = f"; also failed: {', '.join(n.name for n in others)}" if others else ""
        raise DbtTestFailure(
            f"dbt {command}: {len(tests)} test(s) failed: {names}{extra}",
            run,
            [t.name for t in tests],
        )
    failed = run.failed_nodes
    if failed:
        details = "; ".join(f"{n.resource_type} {n.name} {n.status}: {n.message}" for n in failed)
        raise DbtError(f"dbt {command} failed: {details}", run)
    raise DbtError(f"dbt {command} failed: {run.error or 'no result (see the log above)'}", run)
