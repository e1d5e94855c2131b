"""`make run` and `make airflow`: the pipeline through a real local Airflow.

`python -m tooling run [--days 7]`:
  start `airflow standalone` with AIRFLOW_HOME=<repo>/.airflow (SQLite, LocalExecutor, this
  project's DAGs only), trigger `spotify_ingest` for the last N days (oldest first), let the
  scheduler run `spotify_dbt` on the published days' Asset events, wait until every ingest run
  and a dbt run that built every published day are done, stop Airflow (always, even on failure
  or Ctrl-C),
  then print a summary read from the warehouse. Exits non-zero, with the failing task's log
  tail, when a run fails.
`python -m tooling airflow`:
  the same Airflow in the foreground, for the UI; prints the URL and the admin password.

Ports: AIRFLOW_PORT (default 8080); the execution API URL follows it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingestion.paths import REPO_ROOT, data_dir
from ingestion.raw_writer import skipped_artists
from orchestration.assets import (
    DBT_DAG_ID,
    INGEST_DAG_ID,
    MART_MODELS,
    PUBLISHED_DAYS_ASSET,
    SCHEDULE_HOUR,
)
from tooling.airflow_client import TERMINAL_RUN_STATES, AirflowClient, AirflowError
from tooling.airflow_process import AirflowProcesses, HomeInUseError
from tooling.local_airflow import LocalAirflow


def default_home() -> Path:
    return Path(REPO_ROOT) / ".airflow"


def default_port(variable: str = "AIRFLOW_PORT", default: int = 8080) -> int:
    return int(os.environ.get(variable) or default)


def logical_dates(days: int, now: datetime | None = None) -> list[datetime]:
    """The logical dates of the last `days` days, oldest first: each day's scheduled tick
    (06:00 UTC), or its 00:00 UTC while that tick is still ahead of `now`.

    A run starts only once its `run_after` (here its logical date) has passed: today's 06:00
    would leave a `make run` at 03:00 waiting for hours, midnight never does. Where the tick
    has passed, using it makes a manual run and the scheduler's own run of that tick (created
    when the DAG is unpaused) one and the same run. Either way a run's UTC day, its snapshot
    date, is the day it was triggered for.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    dates = []
    for n in range(days - 1, -1, -1):
        day = today - timedelta(days=n)
        tick = datetime(day.year, day.month, day.day, SCHEDULE_HOUR, tzinfo=UTC)
        dates.append(tick if tick <= now else tick.replace(hour=0))
    return dates


def raise_on_sigterm() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def _build_started(api: AirflowClient, run) -> datetime | None:
    for ti in api.task_instances_of(DBT_DAG_ID, run.dag_run_id):
        if ti.task_id == "dbt_build" and ti.start_date:
            return ti.start_date
    return None


def wait_for_dbt(api: AirflowClient, since: datetime, *, timeout: float) -> list:
    """Wait until a dbt run whose `dbt build` started after the last published day's event (so
    it loaded every day published so far) has finished and no dbt run is busy; return the dbt
    runs created since `since`, oldest first.

    Why "built after", not "consumed the event": events that arrive while a run is queued are
    merged into one queue row, so they are not all listed as consumed by the run it creates,
    though that run's `dbt build` loads every published day.
    """
    events = api.asset_events(
        PUBLISHED_DAYS_ASSET, timestamp_gte=since, source_dag_id=INGEST_DAG_ID
    )
    if not events:
        raise AirflowError("the ingest runs succeeded but published no day")
    last_event = max(e.timestamp for e in events)
    deadline = time.monotonic() + timeout
    while True:
        runs = api.runs(DBT_DAG_ID, run_after_gte=since)
        busy = [r for r in runs if r.state not in TERMINAL_RUN_STATES]
        if not busy:
            built = (_build_started(api, r) for r in reversed(runs))
            if any(b is not None and b >= last_event for b in built):
                return runs
            if any(r.state == "failed" for r in runs) and not api.queued_asset_events(DBT_DAG_ID):
                return runs  # failed, and nothing more to come: report it
        if time.monotonic() > deadline:
            states = [(r.dag_run_id, str(r.state.value)) for r in runs]
            raise AirflowError(
                f"{DBT_DAG_ID} did not build every raw snapshot within {timeout:.0f}s "
                f"(runs: {states})"
            )
        time.sleep(2)


def run_pipeline(airflow: AirflowProcesses, days: int, *, timeout: float) -> dict[str, Any]:
    """Drive one `make run` on `airflow` (a `LocalAirflow`, or a `DistributedAirflow` for
    `make run-distributed`); return what the summary needs. Raises AirflowError on failure."""
    started = time.monotonic()
    output = getattr(airflow, "output", None) or airflow.logs
    print(
        f"Starting Airflow (home {airflow.home}, port {airflow.port}, output in {output}) ...",
        flush=True,
    )
    with airflow:
        api = airflow.client
        print(f"Airflow is up after {time.monotonic() - started:.0f}s: {airflow.url}", flush=True)
        since = datetime.now(UTC) - timedelta(seconds=1)
        dates = logical_dates(days)
        run_ids = []
        for logical_date in dates:
            run_ids.append(api.trigger(INGEST_DAG_ID, logical_date))
        print(
            f"Triggered {INGEST_DAG_ID} for {dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}", flush=True
        )
        ingest = api.wait_for_runs(INGEST_DAG_ID, run_ids, timeout=timeout)
        failed = [run_id for run_id, run in ingest.items() if run.state != "success"]
        if failed:
            raise AirflowError(
                "\n\n".join(api.failure_report(INGEST_DAG_ID, run_id) for run_id in failed)
            )
        print(
            f"{len(run_ids)} {INGEST_DAG_ID} runs succeeded; waiting for {DBT_DAG_ID} ...",
            flush=True,
        )
        dbt_runs = wait_for_dbt(api, since, timeout=timeout)
        failed = [r.dag_run_id for r in dbt_runs if r.state != "success"]
        if failed:
            raise AirflowError(
                "\n\n".join(api.failure_report(DBT_DAG_ID, run_id) for run_id in failed)
            )
        print(f"{len(dbt_runs)} {DBT_DAG_ID} run(s) succeeded; stopping Airflow ...", flush=True)
    return {
        "dates": [d.date().isoformat() for d in dates],
        "ingest_runs": len(run_ids),
        "dbt_runs": len(dbt_runs),
        "seconds": time.monotonic() - started,
    }


def run_and_report(airflow: AirflowProcesses, *, days: int, timeout: float, label: str) -> int:
    """`make run` / `make run-distributed`: the pipeline on `airflow`, then the summary; the
    exit status (1 on failure, 130 on Ctrl-C)."""
    try:
        run = run_pipeline(airflow, days, timeout=timeout)
    except HomeInUseError as error:
        print(f"{label} refused: {error}", file=sys.stderr)
        return 1
    except AirflowError as error:
        output = getattr(airflow, "output", None) or airflow.logs
        print(f"\n{label} FAILED:\n{error}", file=sys.stderr)
        print(f"(Airflow output: {output}; task logs: {airflow.home / 'logs'})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: every Airflow process stopped.", file=sys.stderr)
        return 130
    wh = warehouse_summary(airflow.env["DUCKDB_PATH"], run["dates"])
    print_summary(run, wh, airflow)
    if wh["missing_dates"] or "fact_track_popularity" in wh["missing_marts"]:
        print(f"{label} FAILED: fact_track_popularity lacks {wh['missing_dates']}", file=sys.stderr)
        return 1
    return 0


def warehouse_summary(path: str, expected_dates: list[str]) -> dict[str, Any]:
    """Days loaded, rows per mart and the top rising tracks, read from the DuckDB file."""
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        tables = dict(
            con.execute(
                "select table_name, table_schema from information_schema.tables "
                "where table_name = any(?) order by table_schema",
                [list(MART_MODELS)],
            ).fetchall()
        )

        def rel(model: str) -> str:
            return f'"{tables[model]}"."{model}"'

        rows = {m: con.execute(f"select count(*) from {rel(m)}").fetchone()[0] for m in tables}  # noqa: S608
        dates = []
        if "fact_track_popularity" in tables:
            dates = [
                str(d)
                for (d,) in con.execute(
                    f"select distinct snapshot_date from {rel('fact_track_popularity')} order by 1"  # noqa: S608
                ).fetchall()
            ]
        rising = []
        if "track_movers_7d" in tables:
            movers = rel("track_movers_7d")
            rising = con.execute(
                f"select track_name, artist_name, popularity_start, popularity_end, "  # noqa: S608
                f"popularity_change, rank_change from {movers} "
                f"where direction = 'rising' "
                f"and window_end_date = (select max(window_end_date) from {movers}) "
                "order by popularity_change desc nulls last, rank_change desc nulls last, "
                "track_name limit 5"
            ).fetchall()
    return {
        "rows": rows,
        "missing_marts": [m for m in MART_MODELS if m not in tables],
        "dates": dates,
        "missing_dates": [d for d in expected_dates if d not in dates],
        "rising": rising,
    }


def print_summary(run: dict[str, Any], wh: dict[str, Any], airflow: AirflowProcesses) -> None:
    print()
    print("=" * 72)
    print(
        f"Pipeline done in {run['seconds']:.0f}s: {run['ingest_runs']} ingest runs, "
        f"{run['dbt_runs']} dbt run(s)"
    )
    if run["dbt_runs"] < run["ingest_runs"]:
        print(
            f"  (fewer dbt runs than ingest runs on purpose: {DBT_DAG_ID} runs one build at a time "
            "and each build loads every day written before it starts, so the days ingested "
            "while a build is busy share the next one)"
        )
    dates = wh["dates"]
    print(
        f"Days loaded in fact_track_popularity: {len(dates)}"
        + (f" ({dates[0]} .. {dates[-1]})" if dates else "")
    )
    for artist_id, days in skipped_artists(data_dir()).items():
        print(
            f"Artist {artist_id} skipped on {len(days)} day(s) ({days[0]} .. {days[-1]}): the API "
            "does not know it; fix or remove it in the roster (INGEST_STRICT=1 makes it an error)"
        )
    print("Rows per mart:")
    for model, count in wh["rows"].items():
        print(f"  {model:<28} {count:>8}")
    for model in wh["missing_marts"]:
        print(f"  {model:<28} {'missing':>8}")
    print("Top 5 rising tracks (track_movers_7d):")
    if not wh["rising"]:
        print("  (none rising in the window)")
    for i, (track, artist, start, end, change, rank_change) in enumerate(wh["rising"], 1):
        pop = f"popularity {start} -> {end} ({change:+d})" if change is not None else ""
        rank = f"rank change {rank_change:+d}" if rank_change is not None else ""
        print(f"  {i}. {track} - {artist}  {pop}  {rank}".rstrip())
    print(f"DuckDB warehouse: {airflow.env['DUCKDB_PATH']}")
    print(f"Marts (Parquet): {os.path.join(airflow.env['DATA_DIR'], 'marts')}")
    docs = default_port("DOCS_PORT", 8081)
    dashboard = default_port("DASHBOARD_PORT", 8501)
    print(f"Airflow UI:  make airflow     -> http://localhost:{airflow.port}  (user admin)")
    print(f"dbt docs:    make docs        -> http://127.0.0.1:{docs}")
    address = os.environ.get("DASHBOARD_ADDRESS") or "127.0.0.1"
    print(f"Dashboard:   make dashboard   -> http://{address}:{dashboard}")
    print("=" * 72)


def cmd_run(args: argparse.Namespace) -> int:
    raise_on_sigterm()
    home = Path(args.home).resolve()
    airflow = LocalAirflow(home, args.port, output=home / "standalone.log")
    return run_and_report(airflow, days=args.days, timeout=args.timeout, label="make run")


def cmd_airflow(args: argparse.Namespace) -> int:
    raise_on_sigterm()
    home = Path(args.home).resolve()
    try:
        with LocalAirflow(home, args.port) as airflow:
            print()
            print("=" * 72)
            print(f"Airflow UI: {airflow.url}")
            print(f"User: admin   Password: {airflow.password}")
            print(f"(password file: {airflow.password_file})")
            print("Ctrl-C stops Airflow.")
            print("=" * 72, flush=True)
            while airflow.process is not None and airflow.process.poll() is None:
                time.sleep(1)
            print("airflow standalone exited", file=sys.stderr)
            return 1
    except HomeInUseError as error:
        print(f"make airflow refused: {error}", file=sys.stderr)
        return 1
    except AirflowError as error:
        print(f"make airflow FAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nAirflow stopped.")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--home", default=str(default_home()), help="AIRFLOW_HOME to use")
    parser.add_argument("--port", type=int, default=default_port(), help="api-server port")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the pipeline end to end through Airflow")
    run.add_argument("--days", type=int, default=7, help="days to load, ending today")
    run.add_argument("--timeout", type=float, default=1800, help="seconds to wait per phase")
    run.set_defaults(func=cmd_run)
    ui = sub.add_parser("airflow", help="Airflow standalone in the foreground, for the UI")
    ui.set_defaults(func=cmd_airflow)
    args = parser.parse_args(argv)
    return args.func(args)
