"""A small client of the Airflow 3 REST API (`/api/v2`) with a bearer token: what the runners
and the end-to-end tests ask a running Airflow."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import requests

from orchestration.assets import DUCKDB_POOL

TERMINAL_RUN_STATES = {"success", "failed"}
POOL_DESCRIPTION = "One DuckDB writer at a time (docs/interfaces.md section 4)"


class AirflowError(RuntimeError):
    """Airflow did not start, or a run did not end well."""


class AirflowClient:
    """A small client of the Airflow 3 REST API (`/api/v2`) with a bearer token."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/auth/token",
            json={"username": username, "password": password},
            timeout=timeout,
        )
        if response.status_code not in (200, 201):
            raise AirflowError(f"POST /auth/token answered {response.status_code}")
        token = response.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def send(self, method: str, path: str, *, attempts: int = 6, **kwargs) -> requests.Response:
        """One API call, retried on 5xx answers and dropped connections: with SQLite, a busy
        scheduler makes the api-server answer 500 "Database error" (database is locked) now
        and then; the failed transaction was rolled back, so the call can be repeated."""
        url = f"{self.base_url}/api/v2/{path.lstrip('/')}"
        for attempt in range(1, attempts + 1):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError:
                if attempt == attempts:
                    raise
            else:
                if response.status_code < 500 or attempt == attempts:
                    return response
            time.sleep(min(0.5 * 2**attempt, 8))
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, *, ok: Iterable[int] = (200,), **kwargs) -> Any:
        response = self.send(method, path, **kwargs)
        if response.status_code not in set(ok):
            raise AirflowError(
                f"{method} /api/v2/{path} answered {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None

    def get(self, path: str, **params) -> Any:
        return self.request("GET", path, params=params)

    # --- set-up -------------------------------------------------------------------------------
    def ensure_pool(self, name: str = DUCKDB_POOL, slots: int = 1) -> None:
        """Create the pool, or set its size if it exists. Looked up first: a POST of an
        existing pool makes the api-server print a long IntegrityError traceback."""
        existing = self.send("GET", f"pools/{name}")
        if existing.status_code == 404:
            body = {"name": name, "slots": slots, "description": POOL_DESCRIPTION}
            self.request("POST", "pools", ok=(200, 201), json=body)
        elif existing.status_code != 200:
            raise AirflowError(f"reading pool {name} answered {existing.status_code}")
        elif existing.json().get("slots") != slots:
            # The body must name the pool and include_deferred; the mask changes the size only.
            body = {"pool": name, "slots": slots, "include_deferred": False}
            self.request("PATCH", f"pools/{name}", json=body, params={"update_mask": "slots"})

    def import_errors(self) -> list[dict]:
        return self.get("importErrors")["import_errors"]

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 120) -> None:
        """Wait until the dag-processor has registered every DAG; fail on import errors."""
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while True:
            errors = self.import_errors()
            if errors:
                details = "\n".join(f"{e['filename']}:\n{e['stack_trace']}" for e in errors)
                raise AirflowError(f"DAG import errors:\n{details}")
            missing = [d for d in missing if not self._dag_exists(d)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise AirflowError(f"DAGs not registered after {timeout:.0f}s: {missing}")
            time.sleep(1)

    def _dag_exists(self, dag_id: str) -> bool:
        return self.send("GET", f"dags/{dag_id}").status_code == 200

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    # --- runs ---------------------------------------------------------------------------------
    def trigger(self, dag_id: str, logical_date: datetime, *, rerun: bool = True) -> str:
        """Trigger `dag_id` for `logical_date` (also its `run_after`, so queued runs start in
        date order). A run that already exists for that date is cleared (run again) when it
        has finished, or left alone while it is queued or running. Returns the run id."""
        stamp = logical_date.isoformat().replace("+00:00", "Z")
        response = self.send(
            "POST",
            f"dags/{dag_id}/dagRuns",
            json={"logical_date": stamp, "run_after": stamp, "conf": {}},
        )
        if response.status_code in (200, 201):
            return response.json()["dag_run_id"]
        if response.status_code != 409:
            raise AirflowError(
                f"triggering {dag_id} answered {response.status_code}: {response.text}"
            )
        runs = self.get(f"dags/{dag_id}/dagRuns", logical_date_gte=stamp, logical_date_lte=stamp)[
            "dag_runs"
        ]
        if not runs:
            raise AirflowError(f"{dag_id}: a run for {stamp} exists but cannot be found")
        run = runs[0]
        if rerun and run["state"] in TERMINAL_RUN_STATES:
            self.request(
                "POST", f"dags/{dag_id}/dagRuns/{run['dag_run_id']}/clear", json={"dry_run": False}
            )
        return run["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"dags/{dag_id}/dagRuns/{run_id}")

    def runs(self, dag_id: str, **params) -> list[dict]:
        params.setdefault("limit", 100)
        params.setdefault("order_by", "run_after")
        return self.get(f"dags/{dag_id}/dagRuns", **params)["dag_runs"]

    def wait_for_runs(
        self, dag_id: str, run_ids: Iterable[str], *, timeout: float, poll: float = 2
    ) -> dict[str, dict]:
        """Wait until every run is finished; return them by id (raise on timeout)."""
        pending = list(run_ids)
        done: dict[str, dict] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for run_id in list(pending):
                run = self.run(dag_id, run_id)
                if run["state"] in TERMINAL_RUN_STATES:
                    done[run_id] = run
                    pending.remove(run_id)
            if pending and time.monotonic() > deadline:
                raise AirflowError(
                    f"{dag_id} runs still unfinished after {timeout:.0f}s: {pending}"
                )
            if pending:
                time.sleep(poll)
        return done

    def queued_asset_events(self, dag_id: str) -> list[dict]:
        response = self.send("GET", f"dags/{dag_id}/assets/queuedEvents")
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return response.json().get("queued_events", [])

    def asset_events(self, **params) -> list[dict]:
        params.setdefault("limit", 100)
        params.setdefault("order_by", "timestamp")
        return self.get("assets/events", **params)["asset_events"]

    def asset_id(self, name: str) -> int:
        assets = self.get("assets", name_pattern=name)["assets"]
        for asset in assets:
            if asset["name"] == name:
                return asset["id"]
        raise AirflowError(f"no asset named {name}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        body = self.get(
            f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            full_content="true",
        )
        lines = []
        for entry in body.get("content", []):
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
        for ti in self.task_instances(dag_id, run_id):
            if ti["state"] not in ("failed", "upstream_failed"):
                continue
            if ti["state"] == "upstream_failed":
                parts.append(f"  {ti['task_id']}: upstream_failed")
                continue
            try:
                log = self.task_log(dag_id, run_id, ti["task_id"], max(ti["try_number"], 1))
            except (AirflowError, requests.RequestException) as error:
                log = f"(log unavailable: {error})"
            tail_lines = "\n".join("    " + line for line in log.splitlines()[-tail:])
            parts.append(
                f"  {ti['task_id']} failed after {ti['try_number']} tries; log tail:\n{tail_lines}"
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
