"""The local Airflow driver's pieces that need no running Airflow."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psutil

from orchestration.assets import REPO_ROOT
from orchestration.local_airflow import airflow_environment, free_port, stop_process_tree
from orchestration.pipeline import logical_dates


def test_the_environment_follows_the_port_and_uses_this_project_only(tmp_path):
    env = airflow_environment(
        tmp_path / "home",
        8123,
        data_dir="relative-data",
        base_env={"PATH": "/usr/bin", "PYTHONPATH": "/elsewhere"},
    )
    assert env["AIRFLOW__API__PORT"] == "8123"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://localhost:8123/execution/"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{REPO_ROOT}/dags"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW_HOME"] == str(tmp_path / "home")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:////")
    assert env["PYTHONPATH"].split(":")[:2] == [REPO_ROOT, "/elsewhere"]
    assert env["DATA_DIR"].startswith("/")
    assert env["DATA_DIR"].endswith("/relative-data")
    assert env["DUCKDB_PATH"] == env["DATA_DIR"] + "/warehouse/spotify.duckdb"
    # standalone starts `airflow <component>` through PATH: the venv's bin comes first.
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)


def test_stopping_kills_the_whole_process_tree():
    # A parent in its own session with a child and a grandchild, like standalone's components.
    script = "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)"
    parent = subprocess.Popen(
        ["bash", "-c", f'{sys.executable} -c "{script}" & sleep 300'],
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while len(psutil.Process(parent.pid).children(recursive=True)) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    family = psutil.Process(parent.pid).children(recursive=True)
    stop_process_tree(parent, timeout=5)
    assert parent.poll() is not None
    for proc in family:
        assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE


def test_make_run_loads_the_last_days_oldest_first_at_the_schedules_time():
    dates = logical_dates(7, today=date(2026, 11, 25))
    assert dates[0] == datetime(2026, 11, 19, 6, tzinfo=UTC)
    assert dates[-1] == datetime(2026, 11, 25, 6, tzinfo=UTC)
    assert dates == sorted(dates)
    assert len(dates) == 7


def test_free_ports_are_free():
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
