"""Helpers shared by the end-to-end modules (a standalone Airflow, a Celery cluster): failure
reports, waiting for a condition."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from tooling.airflow_client import TERMINAL_RUN_STATES

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
    """Wait until nothing more can reach spotify_dbt: every spotify_ingest run finished (its
    asset events are then emitted), no spotify_dbt run queued or running, and at most
    `queued_allowed` assets with queued events (none that would start a run), so a dbt run
    appearing later comes from what the test does next; fail if a dbt run failed."""

    def calm() -> bool:
        if any(r.state not in TERMINAL_RUN_STATES for r in api.runs(INGEST_DAG_ID)):
            return False
        if any(r.state not in TERMINAL_RUN_STATES for r in api.runs(DBT_DAG_ID)):
            return False
        return len({e.asset_id for e in api.queued_asset_events(DBT_DAG_ID)}) <= queued_allowed

    wait_for(calm, "spotify_dbt settled", timeout=timeout, poll=2)
    fail_with_reports(api, DBT_DAG_ID, api.runs(DBT_DAG_ID))
