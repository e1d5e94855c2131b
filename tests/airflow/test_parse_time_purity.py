"""Parsing the DAG files does no I/O beyond importing code: no network, no Airflow connection,
Variable or metadata-database lookup, no subprocess, no file opened or created."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import builtins, datetime, json, socket, subprocess, sys
    import airflow.sdk
    import orchestration.assets

    # Warm up what Airflow itself imports lazily the first time a DAG is built (croniter,
    # timetables, task decorators): that is the framework's cost, not the DAG files'.
    def warm_up_task():
        return None

    with airflow.sdk.DAG(
        "warm_up",
        schedule="0 6 * * *",
        start_date=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    ):
        airflow.sdk.task(task_id="t", outlets=[airflow.sdk.Asset("x-warm-up://a")])(warm_up_task)()
    airflow.sdk.DAG("warm_up_assets", schedule=airflow.sdk.Asset("x-warm-up://a"))

    calls = []

    def forbid(name, original=None):
        def wrapper(*args, **kwargs):
            calls.append(f"{name}{args[:2]!r}")
            if original is not None:
                return original(*args, **kwargs)
            raise RuntimeError(f"{name} at parse time")
        return wrapper

    socket.socket.connect = forbid("socket.connect")
    socket.create_connection = forbid("socket.create_connection")
    socket.getaddrinfo = forbid("socket.getaddrinfo")
    subprocess.Popen.__init__ = forbid("subprocess.Popen")
    builtins.open = forbid("open", builtins.open)
    from airflow.sdk import BaseHook, Connection, Variable
    Connection.get = classmethod(forbid("Connection.get"))
    BaseHook.get_connection = classmethod(forbid("BaseHook.get_connection"))
    Variable.get = staticmethod(forbid("Variable.get"))

    import importlib.util
    names = []
    for path in sys.argv[1:]:
        spec = importlib.util.spec_from_file_location("dag_" + str(len(names)), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names.append(path)
    print(json.dumps({"files": names, "calls": calls}))
    """
)


def test_parsing_the_dags_makes_no_io(tmp_path):
    data_dir = tmp_path / "not-created"
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),
        AIRFLOW_HOME=str(tmp_path / "home"),
        DATA_DIR=str(data_dir),
        # Credentials in the environment must not be read (or used) at parse time either.
        SPOTIFY_CLIENT_ID="parse-time-id",
        SPOTIFY_CLIENT_SECRET="parse-time-secret",
        AIRFLOW_CONN_SPOTIFY_DEFAULT="http://login:password@example.invalid",
    )
    files = [str(p) for p in sorted((ROOT / "dags").glob("*.py"))]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["files"]) == 2
    assert report["calls"] == []
    assert not data_dir.exists(), "parsing created the data folder"
    assert "parse-time-secret" not in result.stdout + result.stderr
