"""Helpers shared by the end-to-end modules (a standalone Airflow, a Celery cluster): failure
reports, waiting for a condition."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from orchestration.assets import DBT_DAG_ID

T = TypeVar("T")
TIMEOUT = 300  # seconds per phase


def fail_with_reports(api, dag_id: str, runs: Iterable[dict]) -> None:
    """Fail the test with the failed tasks' log tails of every run that did not succeed."""
    failed = [r for r in runs if r.state != "success"]
    if failed:
        pytest.fail("\n\n".join(api.failure_report(dag_id, r.dag_run_id) for r in failed))


def wait_for(predicate: Callable[[], T], what: str, timeout: float = 120, poll: float = 1) -> T:
    """`predicate()`'s first truthy value, polled until `timeout` seconds (then the test fails)."""
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"no {what} after {timeout}s"
        time.sleep(poll)
    return found


def settle(api, *, queued_allowed: int = 0, timeout: float = TIMEOUT) -> None:
    """Wait until spotify_dbt is idle with at most `queued_allowed` assets of queued events
    (three polls in a row), so a dbt run appearing later comes from what the test does next;
    fail if a dbt run failed."""
    deadline, calm = time.monotonic() + timeout, 0
    while calm < 3:
        busy = [r for r in api.runs(DBT_DAG_ID) if r.state not in ("success", "failed")]
        queued = {e.asset_id for e in api.queued_asset_events(DBT_DAG_ID)}
        calm = calm + 1 if not busy and len(queued) <= queued_allowed else 0
        assert time.monotonic() < deadline, "spotify_dbt did not settle"
        time.sleep(2)
    fail_with_reports(api, DBT_DAG_ID, api.runs(DBT_DAG_ID))
