"""`make run-distributed`: the pipeline on Airflow's CeleryExecutor, from packages, no containers.

    with DistributedAirflow(home, port) as airflow:   # Postgres, Redis, api-server, scheduler,
        api = airflow.client                            # dag-processor, triggerer, 2 workers
        ...
    # every process it started is stopped here (by PID), even on an exception or Ctrl-C

Postgres (Debian's `postgresql`) holds Airflow's metadata and Celery's results, Redis (Debian's
`redis-server`) is the broker; both are private instances (own data folder, free loopback port),
so nothing collides with a system cluster or another developer's. Debian's Postgres refuses to
run as root: as root the cluster belongs to the `postgres` user (`setpriv`). Each Airflow
component is its own process (not `airflow standalone`); the workers and their queues come from
`orchestration.celery_settings`, which docker-compose.yml is checked against. Starting, waiting
and stopping are `tooling.airflow_process`'s, as for `make run`.

`python -m tooling.distributed run [--days 7]` drives the same 7-day pipeline as `make run`
(`tooling.pipeline.run_pipeline`) and prints the same summary;
`python -m tooling.distributed bench` times it with LocalExecutor and with Celery, on the
default roster and on a 200-artist one, in one run (`make bench-distributed`).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from ingestion.paths import REPO_ROOT
from orchestration.celery_settings import (
    WORKERS,
    Worker,
    celery_environment,
    worker_environment,
)
from tooling import pipeline
from tooling.airflow_process import (
    DAG_IDS,
    AirflowError,
    AirflowProcesses,
    free_port,
    isolated_environment,
    port_in_use,
    tail,
)

DB_USER = "airflow"
DB_NAME = "airflow"
INSTALL_HINT = "install it with `make distributed-deps` (Debian's postgresql and redis-server)"


class ServiceError(AirflowError):
    """Postgres or Redis did not start, or is not installed."""


def _as_service_user() -> list[str]:
    """The command prefix that runs Postgres as `postgres` when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


def postgres_bin(name: str) -> str:
    """A Postgres server program (`initdb`, `postgres`): Debian keeps them out of PATH, in
    /usr/lib/postgresql/<version>/bin; the newest version wins."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise ServiceError(f"PostgreSQL's {name} is not installed: {INSTALL_HINT}")
    return path


def _service_can_reach(path: Path) -> bool:
    """Whether the `postgres` user may enter `path`'s parent folders (a root-only home or a
    pytest temporary folder, mode 700, is out of its reach)."""
    if os.geteuid() != 0:
        return True
    probe = subprocess.run(
        [*_as_service_user(), "test", "-x", str(path.parent)], capture_output=True, check=False
    )
    return probe.returncode == 0


def postgres_data_dir(home: Path) -> Path:
    """`<home>/postgres`, or, when the `postgres` user cannot reach it, a folder of its own in
    /var/tmp named after `home` (the same home always gets the same cluster)."""
    wanted = home / "postgres"
    if _service_can_reach(wanted):
        return wanted
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"airflow-postgres-{digest}"  # noqa: S108 - owned, mode 700


class Service:
    """One server process we start and stop by PID, with its output in a log file."""

    name = "service"

    def __init__(self, data_dir: Path, log_file: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.log_file = Path(log_file)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create the data folder (once)."""

    def start(self, timeout: float = 60) -> None:
        if port_in_use(self.port):
            raise ServiceError(f"{self.name}: port {self.port} is already in use")
        self.prepare()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            self.process = subprocess.Popen(
                self.command(),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd="/",
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with {self.process.returncode}; see {self.log_file}:\n"
                    + tail(self.log_file)
                )
            if time.monotonic() > deadline:
                raise ServiceError(
                    f"{self.name} not ready after {timeout:.0f}s; see {self.log_file}"
                )
            time.sleep(0.2)

    def stop(self, timeout: float = 30) -> None:
        """Ask the server to shut down cleanly (SIGTERM/SIGINT), kill it after `timeout`."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(self.stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    stop_signal = signal.SIGTERM


class Postgres(Service):
    """A private PostgreSQL cluster: `initdb` once, `postgres -D <dir>` in the foreground
    (loopback only, socket in its own folder), user and database `airflow`, trust
    authentication on 127.0.0.1 (a development cluster: see docs/deployment.md)."""

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, then exit

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def prepare(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres", "postgres")
        result = subprocess.run(
            [
                *_as_service_user(),
                postgres_bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            cwd="/",
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"initdb {self.data_dir} failed:\n{result.stdout}{result.stderr}")

    def command(self) -> list[str]:
        return [
            *_as_service_user(),
            postgres_bin("postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.data_dir}",
            "-c",
            "max_connections=200",
        ]

    def ready(self) -> bool:
        import psycopg2

        try:
            con = psycopg2.connect(
                host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres", connect_timeout=2
            )
        except psycopg2.OperationalError:
            return False
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (DB_NAME,))
                if cur.fetchone() is None:
                    cur.execute(f"create database {DB_NAME}")
        finally:
            con.close()
        return True


class Redis(Service):
    """A private Redis: loopback, its own folder, append-only file (queued task messages
    survive a restart)."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        server = shutil.which("redis-server")
        if not server:
            raise ServiceError(f"redis-server is not installed: {INSTALL_HINT}")
        return [
            server,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
        ]

    def ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False


class DistributedAirflow(AirflowProcesses):
    """Postgres, Redis, then `airflow db migrate`, the api-server, scheduler, dag-processor,
    triggerer and one Celery worker per `celery_settings.WORKERS`, each a process (and process
    group) of its own, their output in `<home>/logs/<component>.log`. Up once the scheduler is
    healthy and every worker answers a ping."""

    COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
    port_hint = "AIRFLOW_PORT=8090 make run-distributed"

    def __init__(
        self,
        home: str | os.PathLike,
        port: int | None = None,
        *,
        data_dir: str | os.PathLike | None = None,
        duckdb_path: str | os.PathLike | None = None,
        extra_env: Mapping[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
        workers: Iterable[Worker] = WORKERS,
        dag_ids: Iterable[str] = DAG_IDS,
        start_timeout: float = 240,
        postgres_dir: str | os.PathLike | None = None,
    ) -> None:
        home = Path(home).resolve()
        home.mkdir(parents=True, exist_ok=True)  # before choosing the Postgres folder
        self.postgres = Postgres(
            Path(postgres_dir) if postgres_dir else postgres_data_dir(home),
            home / "logs" / "postgres.log",
        )
        self.redis = Redis(home / "redis", home / "logs" / "redis.log")
        self.workers = list(workers)
        super().__init__(
            home,
            port,
            data_dir=data_dir,
            duckdb_path=duckdb_path,
            base_env=base_env,
            extra_env={
                **celery_environment(database_url=self.postgres.url, broker_url=self.redis.url),
                # One api-server worker process: 2 cores here (default 4).
                "AIRFLOW__API__WORKERS": "1",
                **(extra_env or {}),
            },
            dag_ids=dag_ids,
            start_timeout=start_timeout,
        )
        self.output = self.logs  # where the pipeline's messages point

    # --- the lifecycle's hooks -------------------------------------------------------------------
    def launch(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        self.redis.start()
        self._migrate()
        for component in self.COMPONENTS:
            self.spawn_component(component, [component])
        for worker in self.workers:
            self.spawn_component(worker.name, worker.command(), worker_environment(worker))

    def ready(self) -> bool:
        return {w.name for w in self.workers} <= self.ready_workers()

    def stop_services(self) -> None:
        self.redis.stop()
        self.postgres.stop()

    def _migrate(self) -> None:
        migrate = self.spawn("db-migrate", ["db", "migrate"])
        try:
            migrate.wait(timeout=self.start_timeout)
        except subprocess.TimeoutExpired:
            raise AirflowError(f"airflow db migrate did not end; see {self.logs}") from None
        self.processes.pop("db-migrate")
        if migrate.returncode != 0:
            log = self.log_of("db-migrate")
            raise AirflowError(f"airflow db migrate failed; see {log}:\n{tail(log)}")

    def spawn_component(
        self, name: str, args: list[str], extra: Mapping[str, str] | None = None
    ) -> None:
        # Each process serves its logs on a free port of its own (the defaults, 8793 and 8794,
        # would collide between the two workers and with any other Airflow on the machine).
        env = {
            **self.env,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            **(extra or {}),
        }
        self.spawn(name, args, env=env)

    # --- Celery ---------------------------------------------------------------------------------
    def celery(self):
        """A Celery client on the broker (control commands: ping, inspect)."""
        from celery import Celery

        return Celery(broker=self.redis.url)

    def worker_nodes(self) -> dict[str, str]:
        """Worker name -> Celery node name (`ingest-worker@host`) of the workers answering a
        ping now."""
        app = self.celery()
        try:
            replies = app.control.ping(timeout=2.0) or []
        except Exception:  # broker not reachable yet
            return {}
        finally:
            app.close()
        return {node.split("@", 1)[0]: node for reply in replies for node in reply}

    def ready_workers(self) -> set[str]:
        return set(self.worker_nodes())


# --- command line -------------------------------------------------------------------------------
def default_home() -> Path:
    return Path(REPO_ROOT) / ".airflow-distributed"


def cmd_run(args: argparse.Namespace) -> int:
    pipeline.raise_on_sigterm()
    airflow = DistributedAirflow(args.home, args.port)
    return pipeline.run_and_report(
        airflow, days=args.days, timeout=args.timeout, label="make run-distributed"
    )


def _roster_env(server, artists: int, folder: Path) -> dict[str, str]:
    """Environment pointing the tasks at `server` with a roster of `artists` artists."""
    ids = [aid for _, aid in server.roster] + list(server.generated_artist_ids)
    ids = ids[:artists]
    roster = folder / "artists.yml"
    lines = ["artists:"] + [
        f"  - {{name: {json.dumps(server.catalogue.artists[a].name)}, id: {a!r}}}" for a in ids
    ]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "ARTISTS_FILE": str(roster),
        "SPOTIFY_CLIENT_ID": "bench-client",
        "SPOTIFY_CLIENT_SECRET": "bench-secret",
        "SPOTIFY_API_BASE_URL": server.api_base_url,
        "SPOTIFY_TOKEN_URL": server.token_url,
        "SPOTIFY_REQUESTS_PER_30S": "100000",
        # This bench times Spotify's extraction per executor; with credentials set, the open
        # signals would default to the real Deezer service, unreachable here.
        "OPEN_SIGNALS": "off",
    }


def cmd_bench(args: argparse.Namespace) -> int:
    """Wall time of the `make run` pipeline (Airflow start included) per executor and roster,
    each from an empty DATA_DIR and AIRFLOW_HOME, in one run on this machine."""
    from ingestion.sandbox import SandboxServer
    from tooling.local_airflow import LocalAirflow

    pipeline.raise_on_sigterm()
    base = isolated_environment()  # each run has its own DATA_DIR, home and roster
    results = []
    with SandboxServer(extra_artists=max(args.artists, 0)) as server:
        for roster in ("default", args.artists):
            for executor in ("LocalExecutor", "CeleryExecutor"):
                work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
                os.chmod(work, 0o755)  # noqa: S103 - the `postgres` user keeps its cluster here
                extra = {} if roster == "default" else _roster_env(server, roster, work)
                env = {**base, **extra}
                home, data = work / "home", work / "data"
                if executor == "LocalExecutor":
                    airflow = LocalAirflow(
                        home, free_port(), data_dir=data, base_env=env, output=home / "out.log"
                    )
                else:
                    airflow = DistributedAirflow(home, data_dir=data, base_env=env)
                print(f"\n--- {executor}, roster {roster} ({work})", flush=True)
                try:
                    run = pipeline.run_pipeline(airflow, args.days, timeout=3600)
                finally:
                    if not args.keep:
                        shutil.rmtree(work, ignore_errors=True)
                results.append((executor, roster, run["seconds"], run["dbt_runs"]))
                print(f"{executor}, roster {roster}: {run['seconds']:.1f} s", flush=True)
    workers = ", ".join(f"{w.name} [{'+'.join(w.queues)}] x{w.concurrency}" for w in WORKERS)
    print()
    print("=" * 72)
    print(f"{args.days}-day pipeline wall time (Airflow start to last dbt run), one machine:")
    print(f"  Celery workers: {workers}")
    for executor, roster, seconds, dbt_runs in results:
        label = "default roster" if roster == "default" else f"{roster}-artist roster"
        print(f"  {executor:<15} {label:<20} {seconds:7.1f} s   ({dbt_runs} dbt run(s))")
    print("=" * 72)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.distributed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the pipeline end to end on Celery, Postgres and Redis")
    run.add_argument("--home", default=str(default_home()), help="AIRFLOW_HOME to use")
    run.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("AIRFLOW_PORT") or 0) or None,
        help="api-server port (default: AIRFLOW_PORT, else a free one)",
    )
    run.add_argument("--days", type=int, default=7, help="days to load, ending today")
    run.add_argument("--timeout", type=float, default=1800, help="seconds to wait per phase")
    run.set_defaults(func=cmd_run)
    bench = sub.add_parser("bench", help="time the pipeline: LocalExecutor against Celery")
    bench.add_argument("--days", type=int, default=7)
    bench.add_argument("--artists", type=int, default=200, help="size of the large roster")
    bench.add_argument("--keep", action="store_true", help="keep the temporary folders")
    bench.set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
