"""Start and stop a local `airflow standalone`, and talk to it through the REST API.

    with LocalAirflow(home, port=8080) as airflow:    # api-server, scheduler, dag-processor,
        api = airflow.client                            # triggerer; SQLite, LocalExecutor
        run_id = api.trigger("spotify_ingest", logical_date)
        api.wait_for_runs("spotify_ingest", [run_id])
    # every process is stopped here, even on an exception or Ctrl-C

Used by `make run` / `make airflow` (orchestration.pipeline) and by the end-to-end test. The
instance uses this repository's DAGs only (no examples), DAGs unpaused at creation, the
`duckdb_writer` pool (created on start), PYTHONPATH = the repository root so tasks import
`ingestion`, `orchestration` and `warehouse`, and absolute DATA_DIR / DUCKDB_PATH.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import requests

from orchestration.assets import DUCKDB_POOL, REPO_ROOT

TERMINAL_RUN_STATES = {"success", "failed"}
POOL_DESCRIPTION = "One DuckDB writer at a time (docs/interfaces.md section 4)"


class AirflowError(RuntimeError):
    """The local Airflow did not start, or a run did not end well."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class HomeInUseError(AirflowError):
    """Another process holds the AIRFLOW_HOME's lock (a `make run` or `make airflow`)."""


class HomeLock:
    """An exclusive lock on one AIRFLOW_HOME, held while a `make run` or `make airflow` uses it.

    Two Airflows on one home would share its SQLite database, logs and DAG runs: the second
    refuses at once, saying which process holds the home and how to stop it. The lock is an
    `flock` on `<home>/airflow.lock`, so the kernel releases it when its holder dies, however
    it dies: a stale file never blocks a later run. The file's text says who holds it.
    """

    def __init__(self, home: str | os.PathLike) -> None:
        self.path = Path(home) / "airflow.lock"
        self._file = None

    def holder(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            holder = self.holder()
            pid = holder.get("pid", "?")
            raise HomeInUseError(
                f"another Airflow already uses {self.path.parent}: PID {pid} "
                f"(`{holder.get('command', '?')}`, started {holder.get('started_at', '?')}). "
                f"Wait for it to finish, or stop it with `kill {pid}` (it stops its Airflow "
                "cleanly), then try again."
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        command = shlex.join(psutil.Process().cmdline())
        handle.write(json.dumps({"pid": os.getpid(), "command": command, "started_at": started}))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the descriptor releases the flock


def airflow_environment(
    home: str | os.PathLike,
    port: int,
    *,
    data_dir: str | os.PathLike | None = None,
    duckdb_path: str | os.PathLike | None = None,
    extra: Mapping[str, str] | None = None,
    base_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of the standalone process (and so of every component and task)."""
    env = dict(os.environ if base_env is None else base_env)
    home = os.path.abspath(home)
    data = os.path.abspath(data_dir or env.get("DATA_DIR") or os.path.join(REPO_ROOT, "data"))
    # An explicit data_dir without a duckdb_path means that data_dir's warehouse, never the
    # DUCKDB_PATH of the caller's environment (which `make` exports for the repository).
    inherited = None if data_dir else env.get("DUCKDB_PATH")
    duck = os.path.abspath(
        duckdb_path or inherited or os.path.join(data, "warehouse", "spotify.duckdb")
    )
    venv_bin = os.path.dirname(sys.executable)  # standalone runs `airflow <component>` by PATH
    pythonpath = [REPO_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(REPO_ROOT, "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
            # The task and trigger log servers listen on 8793/8794 by default: a second
            # Airflow on the same machine would collide with the first one there.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            # New DAG files are noticed within seconds (the default waits up to 5 minutes).
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(pythonpath)),
            "PATH": os.pathsep.join([venv_bin, env.get("PATH", "")]),
            "DATA_DIR": data,
            "DUCKDB_PATH": duck,
            "DBT_PROFILES_DIR": os.path.join(REPO_ROOT, "dbt"),
            "DBT_PROJECT_DIR": os.path.join(REPO_ROOT, "dbt"),
            "DO_NOT_TRACK": "1",
        }
    )
    env.setdefault("AIRFLOW__API__HOST", "127.0.0.1")
    env.update(extra or {})
    return env


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

    def upstream_asset_events(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]

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


class LocalAirflow:
    """`airflow standalone` in its own process group, stopped (all of it) on exit."""

    def __init__(
        self,
        home: str | os.PathLike,
        port: int = 8080,
        *,
        data_dir: str | os.PathLike | None = None,
        duckdb_path: str | os.PathLike | None = None,
        extra_env: Mapping[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
        output: str | os.PathLike | None = None,
        dag_ids: Iterable[str] = ("spotify_ingest", "spotify_dbt"),
        start_timeout: float = 180,
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port
        self.url = f"http://localhost:{port}"
        self.env = airflow_environment(
            self.home,
            port,
            data_dir=data_dir,
            duckdb_path=duckdb_path,
            extra=extra_env,
            base_env=base_env,
        )
        # None: inherit the terminal (make airflow); a path: the components' output goes there.
        self.output = Path(output) if output else None
        self.dag_ids = list(dag_ids)
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.client: AirflowClient | None = None
        self.password: str | None = None
        self._output_file = None
        self.lock = HomeLock(self.home)

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def __enter__(self) -> LocalAirflow:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        self.lock.acquire()  # first: a second `make run` must not touch the first one's home
        if port_in_use(self.port):
            raise AirflowError(
                f"port {self.port} is already in use: stop what uses it or pick another "
                "(AIRFLOW_PORT=8090 make run)"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        Path(self.env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        stdout = None
        if self.output is not None:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            self._output_file = open(self.output, "ab")  # noqa: SIM115 - closed in stop()
            stdout = self._output_file
        self.process = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "airflow"), "standalone"],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends every component
        )
        self._wait_until_up()
        self.client.ensure_pool()
        self.client.wait_for_dags(self.dag_ids, timeout=self.start_timeout)
        for dag_id in self.dag_ids:
            self.client.unpause(dag_id)

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                raise AirflowError(
                    f"airflow standalone exited with {self.process.returncode}"
                    + (f"; see {self.output}" if self.output else "")
                )
            if self.password_file.exists():
                with contextlib.suppress(requests.RequestException, AirflowError, ValueError):
                    self.password = json.loads(self.password_file.read_text())["admin"]
                    health = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
                    if health.get("scheduler", {}).get("status") == "healthy":
                        self.client = AirflowClient(self.url, "admin", self.password)
                        return
            if time.monotonic() > deadline:
                raise AirflowError(
                    f"Airflow not up after {self.start_timeout:.0f}s"
                    + (f"; see {self.output}" if self.output else "")
                )
            time.sleep(1)

    def stop(self, timeout: float = 30) -> None:
        """Terminate the whole process group (and any descendant that left it); kill what
        remains after `timeout` seconds. Safe to call twice."""
        process, self.process = self.process, None
        # A second Ctrl-C while stopping must not leave components behind.
        masked = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if masked else None
        try:
            if process is not None and process.poll() is None:
                stop_process_tree(process, timeout=timeout)
            elif process is not None:
                # standalone itself is gone; its components may not be.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
        finally:
            if masked:
                signal.signal(signal.SIGINT, previous)
        if self._output_file is not None:
            self._output_file.close()
            self._output_file = None
        self.lock.release()


def stop_process_tree(process: subprocess.Popen, *, timeout: float = 30) -> None:
    try:
        parent = psutil.Process(process.pid)
        family = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
