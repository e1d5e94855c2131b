"""`make run` as a user meets it: the real `python -m tooling run` (Airflow standalone,
scheduler, asset-triggered dbt) under a clock faked to 03:00 UTC for the whole process tree,
while a second `make run` of the same clone is refused and the default log-server ports are
taken by someone else."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from ingestion.paths import REPO_ROOT
from tooling.airflow_process import HomeLock, free_port, isolated_environment

pytestmark = pytest.mark.e2e

DAYS = 2  # yesterday at its 06:00 tick, today at midnight (06:00 is still ahead)
RUN_TIMEOUT = 600  # seconds for the whole `make run`; before the fix today's run never starts


@contextlib.contextmanager
def _occupied(*ports: int):
    """Listen on the given ports (those still free), as another Airflow on this machine would."""
    held = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("0.0.0.0", port))  # noqa: S104 - Airflow's log servers bind all interfaces
            sock.listen()
            held.append(sock)
        except OSError:
            sock.close()  # already taken: by someone else, which serves the test as well
    try:
        yield
    finally:
        for sock in held:
            sock.close()


def _wait_for_lock(lock: Path, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the first `make run` ended before taking its lock"
        with contextlib.suppress(OSError, ValueError):
            holder = json.loads(lock.read_text())
            if holder.get("pid"):
                return holder
        time.sleep(0.2)
    raise AssertionError("the first `make run` never took its lock")


def test_make_run_before_six_utc_loads_every_day_and_refuses_a_second_run(tmp_path):
    assert shutil.which("faketime"), "Debian's faketime is missing: run `make test-packages`"
    home, data = tmp_path / "airflow", tmp_path / "data"
    today = datetime.now(UTC).date()
    faked = f"@{today:%Y-%m-%d} 03:00:00"
    env = isolated_environment(
        DATA_DIR=str(data),
        TZ="UTC",
        FAKETIME_DONT_RESET="1",  # children go on from the parent's faked time, not 03:00 again
        # The faked clock is hours behind the DAG files' modification times, which Airflow's
        # default parsing order reads as "changed since last parsed": the dag-processor would
        # parse both files again and again (both cores busy). Parse in name order instead.
        AIRFLOW__DAG_PROCESSOR__FILE_PARSING_SORT_MODE="alphabetical",
    )
    command = [sys.executable, "-m", "tooling", "--home", str(home)]
    run_args = ["run", "--days", str(DAYS), "--timeout", str(RUN_TIMEOUT)]
    log = tmp_path / "make-run.log"
    with _occupied(8793, 8794), open(log, "w") as out:
        first = subprocess.Popen(
            ["faketime", "-f", faked, *command, "--port", str(free_port()), *run_args],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            holder = _wait_for_lock(home / "airflow.lock", first)
            # The same clone, another port: refused at once, naming the holder.
            second = subprocess.run(
                [*command, "--port", str(free_port()), *run_args],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            first.wait(timeout=RUN_TIMEOUT + 120)
        finally:
            if first.poll() is None:
                first.terminate()
                first.wait(timeout=60)
    output = log.read_text()
    print(output[-3000:])

    assert second.returncode == 1, second.stdout + second.stderr
    assert f"PID {holder['pid']}" in second.stderr
    assert f"kill {holder['pid']}" in second.stderr
    # At once: refused before starting anything (no Airflow came up for it).
    assert "make run refused: another Airflow already uses" in second.stderr
    assert "Airflow is up" not in second.stdout
    assert holder["command"].endswith(" ".join(run_args))

    assert first.returncode == 0, output[-3000:]
    assert not psutil.pid_exists(holder["pid"]) or psutil.Process(holder["pid"]).status() in (
        psutil.STATUS_ZOMBIE,
        psutil.STATUS_DEAD,
    )
    expected = [(today - timedelta(days=n)).isoformat() for n in range(DAYS - 1, -1, -1)]
    assert f"Days loaded in fact_track_popularity: {DAYS} ({expected[0]} .. {expected[-1]})" in (
        output
    )
    assert "make docs        -> http://127.0.0.1:" in output
    assert "make dashboard   -> http://127.0.0.1:" in output

    import duckdb

    warehouse = data / "warehouse" / "spotify.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        dates = [
            str(d)
            for (d,) in con.execute(
                "select distinct snapshot_date from fact_track_popularity order by 1"
            ).fetchall()
        ]
    assert dates == expected
    # The lock is released when `make run` ends: the home is free for the next one.
    lock = HomeLock(home)
    lock.acquire()
    lock.release()
