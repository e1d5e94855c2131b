"""One Airflow process lifecycle, shared by every runner: `make run` / `make airflow`
(`tooling.local_airflow`), `make run-distributed` (`tooling.distributed`) and `make bench`.

    with LocalAirflow(home, port) as airflow:    # lock the home, check the port, start the
        api = airflow.client                       # processes, wait until healthy, set up
        ...
    # every process started is stopped here (its whole tree), even on an exception or Ctrl-C

A runner says which processes it starts (`launch`) and, if need be, what else "up" means
(`ready`); this module does the rest: the home's lock, the port check, the environment, the
health wait, the pool and the DAGs, and the stop of every process tree.
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
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import requests

from ingestion import paths
from ingestion.paths import REPO_ROOT
from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from tooling.airflow_client import AirflowClient, AirflowError

DAG_IDS = (INGEST_DAG_ID, DBT_DAG_ID)


class HomeInUseError(AirflowError):
    """Another process holds the AIRFLOW_HOME's lock (a `make run` or `make airflow`)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def airflow_bin() -> str:
    """The venv's `airflow` (standalone itself starts `airflow <component>` through PATH)."""
    return os.path.join(os.path.dirname(sys.executable), "airflow")


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class HomeLock:
    """An exclusive lock on one AIRFLOW_HOME, held while a runner uses it.

    Two Airflows on one home would share its database, logs and DAG runs: the second refuses at
    once, saying which process holds the home and how to stop it. The lock is an `flock` on
    `<home>/airflow.lock`, so the kernel releases it when its holder dies, however it dies: a
    stale file never blocks a later run. The file's text says who holds it.
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


def isolated_environment(**extra: str) -> dict[str, str]:
    """This process's environment without its Spotify and Airflow settings nor the data paths
    (`make` exports the repository's DATA_DIR and DUCKDB_PATH): the base of an Airflow that
    must use only what it is given (a bench's, a test's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "AIRFLOW"))}
    for name in ("ARTISTS_FILE", "DATA_DIR", "DUCKDB_PATH"):
        env.pop(name, None)
    # dbt's target and log folders default to the repository's: two Airflows building at once
    # would overwrite each other's manifest and run results (a test's `dags test` read one
    # half-written). Each isolated Airflow gets its own.
    scratch = tempfile.mkdtemp(prefix="dbt-")
    env["DBT_TARGET_PATH"] = os.path.join(scratch, "target")
    env["DBT_LOG_PATH"] = os.path.join(scratch, "logs")
    env.update(extra)
    return env


def airflow_environment(
    home: str | os.PathLike,
    port: int,
    *,
    data_dir: str | os.PathLike | None = None,
    duckdb_path: str | os.PathLike | None = None,
    extra: Mapping[str, str] | None = None,
    base_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of the Airflow processes (and so of every component and task)."""
    env = dict(os.environ if base_env is None else base_env)
    home = os.path.abspath(home)
    data = os.path.abspath(data_dir) if data_dir else paths.data_dir(env)
    # An explicit data_dir without a duckdb_path means that data_dir's warehouse, never the
    # DUCKDB_PATH of the caller's environment (which `make` exports for the repository).
    inherited = None if data_dir else env.get("DUCKDB_PATH")
    duck = paths.duckdb_path({"DATA_DIR": data, "DUCKDB_PATH": duckdb_path or inherited or ""})
    pythonpath = [REPO_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(REPO_ROOT, "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # Paused until the api-server answers (start() unpauses them): a scheduled run
            # created at once would start tasks that cannot reach the execution API yet, fail
            # their first try and wait out a retry delay.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
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
            "PATH": os.pathsep.join([os.path.dirname(airflow_bin()), env.get("PATH", "")]),
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


def stop_process_tree(processes: Iterable[subprocess.Popen], *, timeout: float = 30) -> None:
    """SIGTERM every process, its process group and its descendants (which may have left the
    group) at once; SIGKILL what is left after `timeout` seconds."""
    processes = list(processes)
    family = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(process.pid)
            family += [parent, *parent.children(recursive=True)]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout)
    for process in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


class AirflowProcesses:
    """The lifecycle every runner shares. Subclasses start their processes in `launch()` (with
    `spawn()`), may add a readiness condition (`ready()`) and services to stop after the
    Airflow processes (`stop_services()`)."""

    port_hint = "AIRFLOW_PORT=8090 make run"

    def __init__(
        self,
        home: str | os.PathLike,
        port: int | None,
        *,
        env: Mapping[str, str] | None = None,
        data_dir: str | os.PathLike | None = None,
        duckdb_path: str | os.PathLike | None = None,
        extra_env: Mapping[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
        dag_ids: Iterable[str] = DAG_IDS,
        start_timeout: float = 180,
        logs: str | os.PathLike | None = None,
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.env = (
            dict(env)
            if env is not None
            else airflow_environment(
                self.home,
                self.port,
                data_dir=data_dir,
                duckdb_path=duckdb_path,
                extra=extra_env,
                base_env=base_env,
            )
        )
        self.dag_ids = list(dag_ids)
        self.start_timeout = start_timeout
        self.logs = Path(logs) if logs else self.home / "logs"
        self.processes: dict[str, subprocess.Popen] = {}
        self.client: AirflowClient | None = None
        self.password: str | None = None
        self.lock = HomeLock(self.home)
        self._log_files: list = []

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what a runner says ----------------------------------------------------------------------
    def launch(self) -> None:
        raise NotImplementedError

    def ready(self) -> bool:
        """Besides a healthy scheduler: what else must be up (e.g. Celery workers)."""
        return True

    def stop_services(self) -> None:
        """What to stop after the Airflow processes (e.g. Redis, Postgres)."""

    # --- the shared lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        self.lock.acquire()  # first: a second runner must not touch this one's home
        if port_in_use(self.port):
            raise AirflowError(
                f"port {self.port} is already in use: stop what uses it or pick another "
                f"({self.port_hint})"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        Path(self.env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        self.launch()
        self.wait_until_up()
        self.client.ensure_pool()
        self.client.wait_for_dags(self.dag_ids, timeout=self.start_timeout)
        for dag_id in self.dag_ids:
            self.client.set_paused(dag_id, False)
        # Unpaused, the ingest DAG gets the scheduler's run of its latest tick. Once that run
        # exists, a trigger of the same tick finds it (and uses it) instead of racing the
        # scheduler's insert of the same (dag, logical date) row.
        for dag_id in self.dag_ids:
            self.client.wait_for_scheduled_run(dag_id, timeout=self.start_timeout)

    def spawn(
        self,
        name: str,
        args: list[str],
        *,
        env: Mapping[str, str] | None = None,
        output: str | os.PathLike | bool | None = True,
    ) -> subprocess.Popen:
        """`airflow <args>` in a process group of its own. `output`: True, into
        `<logs>/<name>.log`; a path, into that file; None, this terminal's."""
        stdout = None
        if output is not None:
            path = self.logs / f"{name}.log" if output is True else Path(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            stdout = open(path, "ab")  # noqa: SIM115 - closed in stop()
            self._log_files.append(stdout)
        self.processes[name] = subprocess.Popen(
            [airflow_bin(), *args],
            env=dict(env or self.env),
            cwd=REPO_ROOT,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        return self.processes[name]

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = self.log_of(name)
                raise AirflowError(
                    f"airflow {name} exited with {process.returncode}; see {log}:\n{tail(log)}"
                )

    def healthy(self) -> bool:
        """The api-server answers and reports a healthy scheduler."""
        health = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
        return health.get("scheduler", {}).get("status") == "healthy"

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            self.check_alive()
            if self.client is None and self.password_file.exists():
                with contextlib.suppress(requests.RequestException, AirflowError, ValueError):
                    password = json.loads(self.password_file.read_text())["admin"]
                    if self.healthy():
                        self.password = password
                        self.client = AirflowClient(self.url, "admin", password)
            if self.client is not None and self.ready():
                return
            if time.monotonic() > deadline:
                raise AirflowError(
                    f"Airflow not up after {self.start_timeout:.0f}s; see {self.logs}"
                )
            time.sleep(1)

    def stop(self, timeout: float = 30) -> None:
        """Stop every process tree started (SIGKILL what is left after `timeout`), then the
        services. Safe to call twice; a second Ctrl-C while stopping is ignored so nothing is
        left behind."""
        masked = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if masked else None
        try:
            processes, self.processes = list(self.processes.values()), {}
            stop_process_tree(processes, timeout=timeout)
            self.stop_services()
        finally:
            if masked:
                signal.signal(signal.SIGINT, previous)
            for out in self._log_files:
                out.close()
            self._log_files = []
            self.lock.release()
