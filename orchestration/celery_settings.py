"""The one definition of the distributed (CeleryExecutor) deployment.

Read by three places, so they cannot drift apart:
- `tooling.distributed` (`make run-distributed`, the Celery end-to-end test, the
  benchmark), which starts the processes on this machine;
- the DAG files, which route tasks to the queues below;
- `tests/test_docker_compose.py`, which checks that docker-compose.yml has the same executor
  settings, queues, worker commands and environment variable names.

The DuckDB rule as queues: a DuckDB file has one writer at a time and lives on one machine.
Ingestion tasks (HTTP in, CSV files out) go to the `default` queue, which every worker serves;
every task that opens the DuckDB file goes to the `warehouse` queue, which exactly one worker
serves (the machine holding the file). The pool `duckdb_writer` (1 slot) still serialises
those tasks; the queue says where they run. `DATA_DIR` is the storage every worker shares.

Light at import time (the DAG files import it while the dag-processor parses them).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

DEFAULT_QUEUE = "default"
WAREHOUSE_QUEUE = "warehouse"

EXECUTOR = "CeleryExecutor"
# Each worker reports this name as the task instance's hostname (UI, REST `hostname`), so the
# two workers of a one-machine deployment are told apart; unset, the machine's FQDN.
WORKER_NAME_VARIABLE = "AIRFLOW_WORKER_NAME"
HOSTNAME_CALLABLE = "orchestration.celery_settings.worker_hostname"


@dataclass(frozen=True)
class Worker:
    name: str  # Celery node name `<name>@<host>`; also the task instances' hostname
    queues: tuple[str, ...]
    concurrency: int

    def command(self) -> list[str]:
        """`airflow` + this list starts the worker (docker-compose: the image prepends it)."""
        return [
            "celery",
            "worker",
            "--queues",
            ",".join(self.queues),
            "--concurrency",
            str(self.concurrency),
            "--celery-hostname",
            f"{self.name}@%h",
        ]


# Two workers. Both take ingestion tasks; only the second (the machine holding the DuckDB file)
# takes warehouse tasks. Concurrency 2: ingestion tasks go on beside a dbt task, and the
# machines here have 2 cores.
WORKERS = (
    Worker("ingest-worker", (DEFAULT_QUEUE,), 2),
    Worker("warehouse-worker", (DEFAULT_QUEUE, WAREHOUSE_QUEUE), 2),
)


def warehouse_workers() -> list[Worker]:
    return [w for w in WORKERS if WAREHOUSE_QUEUE in w.queues]


def celery_environment(*, database_url: str, broker_url: str) -> dict[str, str]:
    """The Airflow settings of the distributed mode, for every component and worker.

    `database_url` is the metadata database (`postgresql+psycopg2://user:pw@host:port/db`);
    Celery's result backend is the same database. `broker_url` is Redis
    (`redis://host:port/0`). Only these two differ between deployments.
    """
    if not database_url.startswith("postgresql+psycopg2://"):
        raise ValueError(f"the metadata database must be PostgreSQL (psycopg2): {database_url}")
    if not broker_url.startswith("redis://"):
        raise ValueError(f"the broker must be Redis: {broker_url}")
    return {
        "AIRFLOW__CORE__EXECUTOR": EXECUTOR,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        # The driver is named: SQLAlchemy 2.1's default for postgresql:// is psycopg 3.
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": DEFAULT_QUEUE,
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
        # A worker that dies loses its unacknowledged task message; Airflow notices the task's
        # missing heartbeats and retries it on another worker (docs/deployment.md, Faults).
        "AIRFLOW__CELERY__TASK_ACKS_LATE": "True",
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
        # Workers reach the api-server over the network; the default 5 s makes a task fail on
        # a busy api-server (seen on 2 loaded cores: `ti_run` timed out before the task began).
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
    }


def worker_environment(worker: Worker) -> dict[str, str]:
    """What one worker adds to the common environment."""
    return {WORKER_NAME_VARIABLE: worker.name}


def worker_hostname() -> str:
    """`[core] hostname_callable` of the distributed mode: the worker's name when set."""
    return os.environ.get(WORKER_NAME_VARIABLE) or socket.getfqdn()
