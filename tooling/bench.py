"""`make bench` (`python -m tooling.bench`): the warehouse's cost figures, in one run.

Prints, on this machine: the daily build (one new day, plain `dbt build`) at 7 and at 365 days
of history and their ratio, with the open-signal models' share of it, a year built from scratch
in one build, raw bytes per day, the requests one day of extraction makes in each access tier
against the minimum, the sandbox's requests per second, the spotify_dbt DAG run against a bare
`dbt build` of the same data (fresh warehouses of 7 days, then daily: one new day), and the DAG
files' import time. Asserts nothing: the targets are printed next to the figures.
`--dag-only`: the DAG figures only. `--scale` (`make bench-scale`): the scale section instead
(`tooling/bench_scale.py`: 1,000 artists, a year).

The DAG run is a real `airflow dags test --use-executor spotify_dbt` (LocalExecutor, one process
per task, as `make run`) in an Airflow home under the run folder; its metadata DB migration and
its api-server (which the task processes report to) are set-up, not timed.

Raw data is real extraction output for the default roster, Spotify's days and the open-signal
sources' (Deezer, Last.fm), generated without HTTP from the sandbox's catalogue by
`tooling.bench_data`, once, into `--workdir` (default `$DATA_DIR/bench`), and reused by later
runs. Each warehouse gets its own DATA_DIR whose raw files are symbolic links to the generated
ones.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from ingestion import paths
from orchestration.assets import DBT_DAG_ID
from tooling import bench_data, bench_requests
from tooling.airflow_process import (
    AirflowProcesses,
    airflow_bin,
    airflow_environment,
    free_port,
    isolated_environment,
    stop_process_tree,
)

REPO_ROOT = Path(paths.REPO_ROOT)
DBT = Path(airflow_bin()).with_name("dbt")


def _days(count: int) -> list[date]:
    """`count` consecutive days ending yesterday (UTC): no snapshot date in the future."""
    last = datetime.now(UTC).date() - timedelta(days=1)
    return [last - timedelta(days=count - 1 - i) for i in range(count)]


def link_days(source: Path, data_dir: Path, days: list[date]) -> None:
    """Publish `days` of `source` into `data_dir`: every source's files of each day, then its
    run summaries (which publish it)."""
    for day in days:
        for path in bench_data.day_files(source, day.isoformat()):
            target = data_dir / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(path)


def raw_bytes_per_day(folder: Path, days: list[date]) -> tuple[float, float]:
    """(bytes per day on disk, every source's files and run summaries; bytes per day of the
    same files uncompressed: the plain CSV the raw layer stored before)."""
    stored = plain = 0
    for day in days:
        for path in bench_data.day_files(folder, day.isoformat()):
            size = path.stat().st_size
            stored += size
            if path.name.endswith(".gz"):
                with path.open("rb") as handle:  # gzip's trailer: the size mod 2**32
                    handle.seek(-4, os.SEEK_END)
                    size = int.from_bytes(handle.read(4), "little")
            plain += size
    return stored / len(days), plain / len(days)


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DUCKDB_PATH": str(data_dir / "warehouse" / "spotify.duckdb"),
        "DO_NOT_TRACK": "1",
    }


@dataclass
class Build:
    seconds: float
    peak_rss: int  # bytes: the dbt process's maximum resident set (dbt runs in one process)
    data_dir: Path
    open_signals: float = 0.0  # seconds of the open-signal models (set by the quick section)

    def model_seconds(self) -> dict[str, float]:
        """Execution time of each model, snapshot and seed of this build (dbt's
        run_results.json; data tests are left out)."""
        results = json.loads((self.data_dir / "dbt-target" / "run_results.json").read_text())
        return {
            r["unique_id"].split(".")[-1]: float(r.get("execution_time") or 0)
            for r in results["results"]
            if r["unique_id"].split(".")[0] in ("model", "snapshot", "seed")
        }


def dbt_build(data_dir: Path) -> float:
    """Wall time of a plain `dbt build` (CLI, its own process)."""
    return measured_build(data_dir).seconds


def measured_build(data_dir: Path) -> Build:
    """A plain `dbt build` (CLI, its own process): wall time, and peak RSS from the kernel's
    accounting of the process when it ends (wait4), so no short peak is missed."""
    log = data_dir / "dbt-build.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(DBT),
                "build",
                "--project-dir",
                str(REPO_ROOT / "dbt"),
                "--profiles-dir",
                str(REPO_ROOT / "dbt"),
                "--target-path",
                str(data_dir / "dbt-target"),
                "--log-path",
                str(data_dir / "dbt-logs"),
            ],
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"dbt build failed in {data_dir}:\n{log.read_text()[-4000:]}")
    return Build(elapsed, usage.ru_maxrss * 1024, data_dir)


def airflow_home(data_dir: Path) -> dict[str, str]:
    """A real Airflow home beside `data_dir` (LocalExecutor, SQLite, as `make run` uses), its
    metadata DB migrated (not part of any figure). dbt writes its target folder under data_dir."""
    env = airflow_environment(
        data_dir.parent / f"{data_dir.name}-airflow",
        free_port(),
        data_dir=data_dir,
        base_env=isolated_environment(),
        extra={"DBT_TARGET_PATH": str(data_dir / "dbt-target")},
    )
    _airflow(env, "db", "migrate")
    return env


def _airflow(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    run = subprocess.run(
        [airflow_bin(), *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,  # a task that cannot report leaves `dags test` waiting forever
    )
    if run.returncode != 0:
        sys.exit(f"airflow {' '.join(args)} failed:\n{(run.stdout + run.stderr)[-4000:]}")
    return time.perf_counter() - started


class ApiServer(AirflowProcesses):
    """`airflow api-server` alone for the home of `env`: task processes started by an executor
    report to its execution API (`airflow dags test --use-executor` starts none). Set-up, not
    timed. No scheduler and no dag-processor: up once it answers, no DAG to wait for."""

    def __init__(self, env: dict[str, str]) -> None:
        home = env["AIRFLOW_HOME"]
        super().__init__(home, int(env["AIRFLOW__API__PORT"]), env=env, dag_ids=())

    def launch(self) -> None:
        self.spawn("api-server", ["api-server", "--workers", "1"])

    def healthy(self) -> bool:
        return requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).ok

    def start(self) -> None:
        super().start()
        # The execution API builds its routes on its first request (~3 s): a running
        # `make run` api-server has long done that, so it is set-up here too.
        requests.get(f"{self.url}/execution/health", timeout=60)


def dag_run(env: dict[str, str], logical_date: date) -> float:
    """Wall time of `airflow dags test --use-executor spotify_dbt <logical_date>`: the whole
    DAG run as the LocalExecutor runs it (one process per task), from the command's start to
    its exit. Airflow 3.3's LocalExecutor.end() sometimes never returns after the run ended
    (a worker misses its stop message): then the time is taken when the run's end was seen in
    the metadata DB, the command is stopped, and the figure is marked."""
    import sqlite3

    day = f"{logical_date.isoformat()}T06:00:00+00:00"
    database = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    query = "select state from dag_run where dag_id = ? and logical_date like ?"
    started = time.perf_counter()
    process = subprocess.Popen(
        [airflow_bin(), "dags", "test", "--use-executor", DBT_DAG_ID, day],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ended = None
    while process.poll() is None:
        time.sleep(0.2)
        with suppress(sqlite3.Error), sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            state = db.execute(query, [DBT_DAG_ID, f"{logical_date.isoformat()} 06:00%"]).fetchone()
            if state and state[0] in ("success", "failed"):
                ended = ended or time.perf_counter()
                if state[0] == "failed":
                    sys.exit(f"spotify_dbt failed under `airflow dags test`; see {database}")
        if ended and time.perf_counter() - ended > 30:
            stop_process_tree([process])
            print(f"    (dags test for {logical_date} hung after its run ended: stopped)")
            return ended - started
    if process.returncode != 0:
        sys.exit(f"airflow dags test spotify_dbt {day} exited with {process.returncode}")
    return time.perf_counter() - started


def dag_figures(raw: Path, runs: Path, days: list[date]) -> dict[str, object]:
    """The spotify_dbt DAG run against a bare `dbt build` of the same data: on fresh warehouses
    of 7 days (twice), then daily (one new day added to each, twice), interleaved; the figures
    are the medians."""
    bare_dir, dag_dir = _linked(raw, runs / "bare", days[:7]), _linked(raw, runs / "dag", days[:7])
    started = time.perf_counter()
    import_times = dagbag_import_seconds()
    env = airflow_home(dag_dir)
    with ApiServer(env):
        print(f"  DagBag import and Airflow set up: {time.perf_counter() - started:.1f}s")
        figures: dict[str, object] = {"dagbag": import_times, "fresh": [], "daily": []}
        # Two samples of each (one run varies by a second or two on a busy machine): the
        # warehouse, dbt's target and the exports are removed before the second.
        for logical_date in days[5:7]:
            for data_dir in (bare_dir, dag_dir):
                for built in ("warehouse", "dbt-target", "marts"):
                    shutil.rmtree(data_dir / built, ignore_errors=True)
            figures["fresh"].append((dbt_build(bare_dir), dag_run(env, logical_date)))
        for day in days[7:9]:
            link_days(raw, bare_dir, [day])
            link_days(raw, dag_dir, [day])
            figures["daily"].append((dbt_build(bare_dir), dag_run(env, day)))
    return figures


def dagbag_import_seconds() -> dict[str, float]:
    """Import time of `airflow.sdk` and of each DAG file, each in a fresh process (what the
    dag-processor and every task process pay before running anything)."""
    script = (
        "import importlib.util, sys, time\n"
        "t0 = time.perf_counter()\n"
        "import airflow.sdk\n"
        "print('airflow.sdk', time.perf_counter() - t0)\n"
        "for path in sys.argv[1:]:\n"
        "    t1 = time.perf_counter()\n"
        "    spec = importlib.util.spec_from_file_location('dagfile_' + str(hash(path)), path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "    print(path.rsplit('/', 1)[-1], time.perf_counter() - t1)\n"
    )
    files = sorted(str(p) for p in (REPO_ROOT / "dags").glob("*.py"))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", script, *files],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = (line.split() for line in run.stdout.splitlines())
    return {name: float(value) for name, value in lines}


def print_dag_figures(figures: dict) -> None:
    imports = dict(figures["dagbag"])
    framework = imports.pop("airflow.sdk")
    files = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in imports.items())
    print(
        f"  DAG files import: {sum(imports.values()):.2f}s ({files}; airflow.sdk itself "
        f"{framework:.2f}s) (target < 1s for the DAG files)"
    )
    for case, label in (("fresh", "7 days from scratch"), ("daily", "daily (7 days + 1)")):
        bare = statistics.median(b for b, _ in figures[case])
        dag = statistics.median(d for _, d in figures[case])
        runs = ", ".join(f"{d:.1f}s/{b:.1f}s" for b, d in figures[case])
        print(
            f"  spotify_dbt DAG run, {label}: {dag:6.1f}s vs bare `dbt build` {bare:.1f}s: "
            f"{dag / bare:.2f}x (target <= 1.5x; runs dag/bare: {runs})"
        )
    print("    (DAG run: `airflow dags test --use-executor spotify_dbt`, LocalExecutor)")


def daily_builds(raw: Path, work: Path, history: list[date], new: list[date]) -> list[float]:
    """Times of the daily builds adding `new` one by one on top of `history` (built first)."""
    link_days(raw, work, history)
    dbt_build(work)
    times = []
    for day in new:
        link_days(raw, work, [day])
        times.append(dbt_build(work))
    return times


OPEN_SIGNAL_MODELS = ("open_signal", "deezer", "lastfm")  # in the names of their dbt models


def open_signal_seconds(build: Build) -> float:
    """The open-signal models' share of a build (their nodes' execution times, summed)."""
    return sum(
        seconds
        for name, seconds in build.model_seconds().items()
        if any(part in name for part in OPEN_SIGNAL_MODELS)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    default_work = Path(paths.data_dir()) / "bench"
    parser.add_argument("--workdir", type=Path, default=default_work)
    parser.add_argument("--history", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2, help="processes generating raw days")
    parser.add_argument(
        "--dag-only", action="store_true", help="only the spotify_dbt DAG figures (quick)"
    )
    parser.add_argument(
        "--scale", action="store_true", help="the scale section instead (tooling/bench_scale.py)"
    )
    args, rest = parser.parse_known_args(argv)
    if args.scale:
        from tooling import bench_scale

        bench_scale.main([*rest, "--workdir", str(args.workdir), "--workers", str(args.workers)])
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    work = args.workdir.resolve()
    raw, runs = work / "raw-default", work / f"runs-{int(time.time())}"

    days = _days(args.history + 2)  # the history, then two new days
    print(f"generating {len(days)} days of the default roster in {raw} (reused when present)")
    print("  how: the real extraction (Spotify, Deezer, Last.fm) over the sandbox, no HTTP")
    spent = bench_data.generate(raw, days, workers=args.workers)
    print(f"  {spent:.1f}s")
    if args.dag_only:
        print()
        print_dag_figures(dag_figures(raw, runs, days))
        return
    per_day = raw_bytes_per_day(raw, days)

    # A year from scratch, then daily builds at 365 and at 7 days, interleaved.
    year_dir = runs / "year"
    link_days(raw, year_dir, days[: args.history])
    full_year = dbt_build(year_dir)
    week_dir = runs / "week"
    link_days(raw, week_dir, days[args.history - 7 : args.history])
    dbt_build(week_dir)
    week, year = [], []
    for day in days[args.history :]:
        link_days(raw, week_dir, [day])
        week.append(measured_build(week_dir))
        week[-1].open_signals = open_signal_seconds(week[-1])
        link_days(raw, year_dir, [day])
        year.append(measured_build(year_dir))
        year[-1].open_signals = open_signal_seconds(year[-1])

    dag = dag_figures(raw, runs, days)
    requests_lines = bench_requests.figures(raw, days[-1], roster=None, extra_artists=0, workers=1)

    # The sandbox itself (formerly a test that could not fail): requests per second served.
    from ingestion.sandbox.bench import measure
    from ingestion.sandbox.server import SandboxServer

    with SandboxServer() as server:
        sandbox_rate = measure(server, requests_total=2000, threads=4)

    week_daily = statistics.median(b.seconds for b in week)
    year_daily = statistics.median(b.seconds for b in year)
    print()
    print(f"spotify warehouse bench ({os.cpu_count()} cores), plain `dbt build` wall times")
    print(f"  daily build, 7 days of history:    {week_daily:6.1f}s  (runs: {_list(week)})")
    print(
        f"  daily build, {args.history} days of history:  {year_daily:6.1f}s  (runs: {_list(year)})"
    )
    ratio = year_daily / week_daily
    print(f"  ratio {args.history} / 7:                   {ratio:6.2f}   (target <= 1.2)")
    week_open = statistics.median(b.open_signals for b in week)
    year_open = statistics.median(b.open_signals for b in year)
    print(
        f"  open-signal models in the daily build: {week_open:.1f}s at 7 days, {year_open:.1f}s at "
        f"{args.history}: ratio {year_open / week_open:.2f} (target <= 1.2; their nodes' "
        "execution times, dbt's run_results.json)"
    )
    print(f"  {args.history} days from scratch, one build: {full_year:6.1f}s  (target <= 180s)")
    stored, plain = per_day
    print(
        f"  raw bytes per day (default roster, every source): {stored / 1e6:6.3f} MB, "
        f"{stored / plain:.2f} of the same data as plain CSV ({plain / 1e6:.3f} MB) (target <= 1/3)"
    )
    print(f"  requests for one day of extraction, default roster ({days[-1]}; no target):")
    print("\n".join(requests_lines))
    print(f"  sandbox on loopback: {sandbox_rate:,.0f} requests/s (4 threads; no target)")
    print_dag_figures(dag)


def _linked(raw: Path, data_dir: Path, days: list[date]) -> Path:
    link_days(raw, data_dir, days)
    return data_dir


def _list(values: list) -> str:
    return ", ".join(f"{getattr(v, 'seconds', v):.1f}s" for v in values)


if __name__ == "__main__":
    main()
