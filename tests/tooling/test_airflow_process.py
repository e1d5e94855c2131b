"""The runners' shared Airflow lifecycle (tooling.airflow_process) and `make run`'s dates: the
pieces that need no running Airflow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from ingestion.paths import REPO_ROOT
from tooling.airflow_process import (
    AirflowError,
    HomeLock,
    airflow_environment,
    free_port,
    stop_process_tree,
)
from tooling.pipeline import logical_dates


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
    # Unpaused by start() once the api-server answers, never before.
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "True"
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
    stop_process_tree([parent], timeout=5)
    assert parent.poll() is not None
    for proc in family:
        assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE


def test_make_run_loads_the_last_days_oldest_first_at_the_schedules_tick():
    dates = logical_dates(7, now=datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert dates[0] == datetime(2026, 11, 19, 6, tzinfo=UTC)
    assert dates[-1] == datetime(2026, 11, 25, 6, tzinfo=UTC)
    assert dates == sorted(dates)
    assert len(dates) == 7


def test_before_six_utc_todays_run_is_at_midnight_so_it_can_start_at_once():
    now = datetime(2026, 11, 25, 3, tzinfo=UTC)
    dates = logical_dates(3, now=now)
    assert dates == [
        datetime(2026, 11, 23, 6, tzinfo=UTC),
        datetime(2026, 11, 24, 6, tzinfo=UTC),
        datetime(2026, 11, 25, 0, tzinfo=UTC),  # today's 06:00 is still ahead
    ]
    assert all(d <= now for d in dates)  # run_after = logical date: all start at once


def test_a_second_holder_of_the_same_home_is_refused_with_who_holds_it(tmp_path):
    first = HomeLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(AirflowError) as refused:
            HomeLock(tmp_path).acquire()
        message = str(refused.value)
        assert f"PID {os.getpid()}" in message
        assert f"kill {os.getpid()}" in message
        assert str(tmp_path) in message
    finally:
        first.release()
    # Released (also when the holder dies: the kernel drops the flock): the next one gets it.
    again = HomeLock(tmp_path)
    again.acquire()
    again.release()


def test_the_log_servers_do_not_take_airflows_default_ports(tmp_path):
    envs = [airflow_environment(tmp_path / f"home{i}", free_port(), base_env={}) for i in (1, 2)]
    ports = [
        int(env[f"AIRFLOW__LOGGING__{kind}_LOG_SERVER_PORT"])
        for env in envs
        for kind in ("WORKER", "TRIGGER")
    ]
    assert not {8793, 8794} & set(ports)
    assert len(set(ports)) == 4  # two Airflows on one machine: four different ports


def test_an_explicit_data_dir_never_writes_the_inherited_warehouse(tmp_path):
    # `make test` exports DUCKDB_PATH (the repository's warehouse); a test's Airflow on its own
    # data folder must not build into it.
    env = airflow_environment(
        tmp_path / "home",
        free_port(),
        data_dir=tmp_path / "data",
        base_env={"DUCKDB_PATH": "/repository/data/warehouse/spotify.duckdb"},
    )
    assert env["DUCKDB_PATH"] == str(tmp_path / "data" / "warehouse" / "spotify.duckdb")
