"""What the runners and the end-to-end tests ask a running Airflow, through Apache's REST client
(`apache-airflow-client`, pinned to the installed Airflow's version).

    api = AirflowClient("http://localhost:8080", "admin", password)
    run_id = api.trigger("spotify_ingest", logical_date)
    api.dag_runs.get_dag_run("spotify_ingest", run_id).state     # the library's own APIs

The few steps the runners repeat (trigger or clear a day, wait for runs, a failure report with
each failed task's log tail) are methods here; everything else is the library's API objects
(`dags`, `dag_runs`, `assets`, `task_instances`, `pools`, `connections`, `backfills`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3
from airflow_client.client import (
    ApiClient,
    AssetApi,
    BackfillApi,
    Configuration,
    ConnectionApi,
    DAGApi,
    DAGPatchBody,
    DagRunApi,
    DAGRunClearBody,
    ImportErrorApi,
    PoolApi,
    PoolBody,
    PoolPatchBody,
    TaskInstanceApi,
    TriggerDAGRunPostBody,
)
from airflow_client.client.exceptions import ApiException, NotFoundException

from orchestration.assets import DUCKDB_POOL

TERMINAL_RUN_STATES = {"success", "failed"}
POOL_DESCRIPTION = "One DuckDB writer at a time (docs/interfaces.md section 4)"

__all__ = ["AirflowClient", "AirflowError", "ApiException", "NotFoundException"]


class AirflowError(RuntimeError):
    """Airflow did not start, or a run did not end well."""


class AirflowClient:
    """Apache's REST client of one Airflow, signed in with a bearer token."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        # The token endpoint is the auth manager's, not part of the REST API the client covers.
        response = requests.post(
            f"{self.base_url}/auth/token",
            json={"username": username, "password": password},
            timeout=timeout,
        )
        if response.status_code not in (200, 201):
            raise AirflowError(f"POST /auth/token answered {response.status_code}")
        config = Configuration(host=self.base_url, access_token=response.json()["access_token"])
        # With SQLite, a busy scheduler makes the api-server answer 500 "database is locked" now
        # and then; the failed transaction was rolled back, so any call can be repeated.
        config.retries = urllib3.Retry(
            total=6,
            backoff_factor=0.5,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=None,
            raise_on_status=False,
        )
        self.api_client = ApiClient(config)
        self.dags = DAGApi(self.api_client)
        self.dag_runs = DagRunApi(self.api_client)
        self.assets = AssetApi(self.api_client)
        self.task_instances = TaskInstanceApi(self.api_client)
        self.pools = PoolApi(self.api_client)
        self.connections = ConnectionApi(self.api_client)
        self.backfills = BackfillApi(self.api_client)
        self.import_errors = ImportErrorApi(self.api_client)

    # --- set-up -------------------------------------------------------------------------------
    def ensure_pool(self, name: str = DUCKDB_POOL, slots: int = 1) -> None:
        """Create the pool, or set its size if it exists. Looked up first: a POST of an
        existing pool makes the api-server print a long IntegrityError traceback."""
        try:
            existing = self.pools.get_pool(name)
        except NotFoundException:
            self.pools.post_pool(PoolBody(name=name, slots=slots, description=POOL_DESCRIPTION))
            return
        if existing.slots != slots:
            body = PoolPatchBody(pool=name, slots=slots, include_deferred=False)
            self.pools.patch_pool(name, body, update_mask=["slots"])

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 120) -> None:
        """Wait until the dag-processor has registered every DAG; fail on import errors."""
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while True:
            errors = self.import_errors.get_import_errors().import_errors
            if errors:
                details = "\n".join(f"{e.filename}:\n{e.stack_trace}" for e in errors)
                raise AirflowError(f"DAG import errors:\n{details}")
            missing = [d for d in missing if not self._dag_exists(d)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AirflowError(f"DAGs not registered after {timeout:.0f}s: {missing}")
            time.sleep(1)

    def _dag_exists(self, dag_id: str) -> bool:
        try:
            self.dags.get_dag(dag_id)
        except NotFoundException:
            return False
        return True

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.dags.patch_dag(dag_id, DAGPatchBody(is_paused=paused))

    def wait_for_scheduled_run(self, dag_id: str, timeout: float = 120) -> None:
        """Wait until the scheduler has created the run of a time-scheduled DAG's latest tick
        (its next run is then in the future); at once for a DAG scheduled on assets."""
        deadline = time.monotonic() + timeout
        while True:
            next_run = self.dags.get_dag(dag_id).next_dagrun_run_after
            if next_run is None or next_run > datetime.now(UTC):
                return
            if time.monotonic() > deadline:
                raise AirflowError(f"{dag_id}: no run of its {next_run} tick after {timeout:.0f}s")
            time.sleep(0.5)

    # --- runs ---------------------------------------------------------------------------------
    def trigger(self, dag_id: str, logical_date: datetime, *, rerun: bool = True) -> str:
        """Trigger `dag_id` for `logical_date` (also its `run_after`, so queued runs start in
        date order). A run that already exists for that date is cleared (run again) when it
        has finished, or left alone while it is queued or running. Returns the run id."""
        body = TriggerDAGRunPostBody(logical_date=logical_date, run_after=logical_date, conf={})
        try:
            return self.dag_runs.trigger_dag_run(dag_id, body).dag_run_id
        except ApiException as error:
            if error.status != 409:
                message = f"triggering {dag_id} answered {error.status}: {error.body}"
                raise AirflowError(message) from None
        runs = self.dag_runs.get_dag_runs(
            dag_id, logical_date_gte=logical_date, logical_date_lte=logical_date
        ).dag_runs
        if not runs:
            raise AirflowError(f"{dag_id}: a run for {logical_date} exists but cannot be found")
        run = runs[0]
        if rerun and run.state in TERMINAL_RUN_STATES:
            self.dag_runs.clear_dag_run(dag_id, run.dag_run_id, DAGRunClearBody(dry_run=False))
        return run.dag_run_id

    def runs(self, dag_id: str, **filters) -> list:
        """The DAG's runs, oldest `run_after` first."""
        filters.setdefault("limit", 100)
        filters.setdefault("order_by", ["run_after"])
        return self.dag_runs.get_dag_runs(dag_id, **filters).dag_runs

    def wait_for_runs(
        self, dag_id: str, run_ids: Iterable[str], *, timeout: float, poll: float = 2
    ) -> dict[str, Any]:
        """Wait until every run is finished; return them by id (raise on timeout)."""
        pending = list(run_ids)
        done: dict[str, Any] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for run_id in list(pending):
                run = self.dag_runs.get_dag_run(dag_id, run_id)
                if run.state in TERMINAL_RUN_STATES:
                    done[run_id] = run
                    pending.remove(run_id)
            if pending and time.monotonic() > deadline:
                raise AirflowError(
                    f"{dag_id} runs still unfinished after {timeout:.0f}s: {pending}"
                )
            if pending:
                time.sleep(poll)
        return done

    def queued_asset_events(self, dag_id: str) -> list:
        try:
            return self.assets.get_dag_asset_queued_events(dag_id).queued_events
        except NotFoundException:
            return []

    def asset_events(self, name: str, **filters) -> list:
        """The events of the asset named `name`, oldest first."""
        filters.setdefault("limit", 100)
        filters.setdefault("order_by", ["timestamp"])
        asset_id = self.asset_id(name)
        return self.assets.get_asset_events(asset_id=asset_id, **filters).asset_events

    def asset_id(self, name: str) -> int:
        for asset in self.assets.get_assets(name_pattern=name).assets:
            if asset.name == name:
                return asset.id
        raise AirflowError(f"no asset named {name}")

    def task_instances_of(self, dag_id: str, run_id: str) -> list:
        return self.task_instances.get_task_instances(dag_id, run_id).task_instances

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        # Read as JSON: the client's log model keeps only `event` and `timestamp` of each line,
        # and the report needs its level and structured error too.
        response = self.task_instances.get_log_without_preload_content(
            dag_id, run_id, task_id, try_number, full_content=True
        )
        if response.status != 200:
            raise ApiException(http_resp=response)
        lines = []
        for entry in json.loads(response.data).get("content") or []:
            if isinstance(entry, dict):
                line = " ".join(
                    str(entry[k]) for k in ("timestamp", "level", "event") if entry.get(k)
                )
                for error in entry.get("error_detail") or []:
                    line += "\n" + _format_error(error)
                lines.append(line)
            else:
                lines.append(str(entry))
        return "\n".join(lines)

    def failure_report(self, dag_id: str, run_id: str, tail: int = 40) -> str:
        """The failed tasks of a run, each with the tail of its last try's log."""
        parts = []
        for ti in self.task_instances_of(dag_id, run_id):
            if ti.state not in ("failed", "upstream_failed"):
                continue
            if ti.state == "upstream_failed":
                parts.append(f"  {ti.task_id}: upstream_failed")
                continue
            try:
                log = self.task_log(dag_id, run_id, ti.task_id, max(ti.try_number, 1))
            except (ApiException, urllib3.exceptions.HTTPError) as error:
                log = f"(log unavailable: {error})"
            tail_lines = "\n".join("    " + line for line in log.splitlines()[-tail:])
            parts.append(
                f"  {ti.task_id} failed after {ti.try_number} tries; log tail:\n{tail_lines}"
            )
        return f"{dag_id} run {run_id} failed:\n" + "\n".join(parts)


def _format_error(error: Mapping[str, Any]) -> str:
    """One structured exception of a task log as a short traceback (last frames, then the
    exception), so a log tail ends with what went wrong."""
    frames = [
        f"  {f.get('filename')}:{f.get('lineno')} in {f.get('name')}"
        for f in (error.get("frames") or [])[-4:]
    ]
    return "\n".join([*frames, f"{error.get('exc_type')}: {error.get('exc_value')}"])
