"""The distributed launcher's process management, without a whole Airflow: what it starts it
stops, by PID, on Ctrl-C and when a start fails; Postgres and Redis are private instances."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from ingestion.paths import REPO_ROOT
from tooling.distributed import DistributedAirflow, Postgres, Redis, ServiceError

pytestmark = pytest.mark.e2e


@pytest.fixture
def pg_dir():
    # A folder the `postgres` user can reach when we are root (pytest's are mode 700).
    folder = Path(tempfile.mkdtemp(prefix="distributed-test-pg-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _processes_using(folder: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(folder) in cmdline:
            found.append(proc)
    return found


def _connect(port: int):
    import psycopg2

    return psycopg2.connect(host="127.0.0.1", port=port, user="airflow", dbname="airflow")


def test_postgres_and_redis_are_private_and_survive_a_restart(tmp_path, pg_dir):
    import redis

    postgres = Postgres(pg_dir, tmp_path / "postgres.log")
    broker = Redis(tmp_path / "redis", tmp_path / "redis.log")
    try:
        postgres.start()
        broker.start()
        con = _connect(postgres.port)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("create table kept (n int); insert into kept values (42)")
            cur.execute("show listen_addresses")
            assert cur.fetchone()[0] == "127.0.0.1"
        con.close()
        redis.Redis(port=broker.port).rpush("queue", "message")
        if os.geteuid() == 0:  # Debian's Postgres refuses root: it runs as `postgres`
            assert psutil.Process(postgres.process.pid).username() == "postgres"

        port, pid = postgres.port, postgres.process.pid
        for service in (postgres, broker):  # stopped, started again on its port and data
            service.stop()
            service.start()
        assert postgres.port == port
        assert postgres.process.pid != pid
        con = _connect(postgres.port)
        with con.cursor() as cur:
            cur.execute("select n from kept")
            assert cur.fetchall() == [(42,)]
        con.close()
        # The append-only file keeps queued messages across a restart.
        assert redis.Redis(port=broker.port).lrange("queue", 0, -1) == [b"message"]
    finally:
        postgres.stop()
        broker.stop()
    assert not _processes_using(pg_dir)
    assert not _processes_using(tmp_path / "redis")


def test_a_failed_start_stops_what_was_started(tmp_path, pg_dir):
    airflow = DistributedAirflow(tmp_path / "home", postgres_dir=pg_dir)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        airflow.redis.port = taken.getsockname()[1]
        with pytest.raises(ServiceError, match=r"redis: port \d+ is already in use"), airflow:
            pass
    assert airflow.postgres.process is None
    assert not _processes_using(pg_dir)


def test_ctrl_c_stops_every_process_it_started(tmp_path, pg_dir):
    """`make run-distributed` interrupted while it starts: everything is stopped, exit 130."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["DATA_DIR"] = str(tmp_path / "data")
    code = (
        "import sys; from tooling import distributed as d; "
        f"d.postgres_data_dir = lambda home: d.Path({str(pg_dir)!r}); "
        "sys.exit(d.main(sys.argv[1:]))"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", code, "run", "--home", str(home), "--days", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Ctrl-C as from a terminal, even when the suite runs with SIGINT ignored (nohup, `&`).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # Wait until Airflow's own processes are starting (Postgres and Redis are up).
        deadline = time.monotonic() + 120
        while not (home / "logs" / "scheduler.log").exists():
            assert run.poll() is None, run.stdout.read()
            assert time.monotonic() < deadline, "the launcher did not get to the scheduler"
            time.sleep(0.2)
        # Process objects, not pids: psutil tells a reused pid from the process it had.
        started = {p.pid: p for p in psutil.Process(run.pid).children(recursive=True)}
        started |= {p.pid: p for p in _processes_using(pg_dir)}
        assert len(started) >= 3
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, output
    assert "Interrupted" in output
    # A grandchild signalled with its group may still be exiting when the launcher returns:
    # wait for the processes to end, as long as the launcher's own stop allows (30 s).
    _, remaining = psutil.wait_procs([p for p in started.values() if _running(p)], timeout=30)
    alive = [p.pid for p in remaining if _running(p)]
    assert not alive, f"left running: {alive}"


def _running(process: psutil.Process) -> bool:
    """Alive and not a zombie; False for a pid since reused by another process."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
