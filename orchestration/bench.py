"""`make bench` (`python -m orchestration.bench`): the warehouse's cost figures, in one run.

Prints, on this machine: the daily build (one new day, plain `dbt build`) at 7 and at 365 days
of history and their ratio, a year built from scratch in one build, raw bytes per day, the daily
build at 1,000 artists and 30 days, and the spotify_dbt DAG's work against a bare `dbt build`.
Asserts nothing: the targets are printed next to the figures.

Raw data is real ingestion output: `ingestion.extract.extract_day` over HTTP against the sandbox
(in-process server, no rate limit), written by the real raw writer; generated once into
`--workdir` (default `$DATA_DIR/bench`) and reused by later runs. Each warehouse gets its own
DATA_DIR whose raw files are symbolic links to the generated ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingestion.raw_writer import RAW_ENTITIES, raw_path, summary_path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT = REPO_ROOT / ".venv" / "bin" / "dbt"


def _days(count: int) -> list[date]:
    """`count` consecutive days ending yesterday (UTC): no snapshot date in the future."""
    last = datetime.now(UTC).date() - timedelta(days=1)
    return [last - timedelta(days=count - 1 - i) for i in range(count)]


def _extract(args: tuple[str, str, str | None, dict | None]) -> None:
    day, folder, roster, server = args
    import logging

    from ingestion.extract import extract_day

    logging.getLogger("ingestion").setLevel(logging.ERROR)  # one line per day is noise here
    from ingestion.settings import Settings

    if summary_path(Path(folder), day).exists():
        return
    if server:
        settings = Settings(
            client_id="bench",
            client_secret="bench",  # noqa: S106 - the sandbox accepts anything
            requests_per_30s=1_000_000,
            max_workers=4,
            **server,
        )
    else:
        settings = Settings(requests_per_30s=1_000_000)  # in-process sandbox
    extract_day(day, data_dir=folder, artists_file=roster, settings=settings)


def generate(folder: Path, days: list[date], *, roster=None, server=None, workers=2) -> float:
    started = time.perf_counter()
    jobs = [(d.isoformat(), str(folder), roster, server) for d in days]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_extract, jobs))
    return time.perf_counter() - started


def link_days(source: Path, data_dir: Path, days: list[date]) -> None:
    """Publish `days` of `source` into `data_dir` (entity files first, then the summaries)."""
    for day in days:
        files = [raw_path(source, e, day.isoformat()) for e in RAW_ENTITIES]
        for path in [*files, summary_path(source, day.isoformat())]:
            target = data_dir / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(path)


def raw_bytes_per_day(folder: Path, days: list[date]) -> tuple[float, float]:
    """(bytes per day on disk, bytes per day of the same files uncompressed: the plain CSV the
    raw layer stored before, plus the two provenance columns)."""
    stored = plain = 0
    for day in days:
        for path in [raw_path(folder, e, day.isoformat()) for e in RAW_ENTITIES]:
            stored += path.stat().st_size
            with path.open("rb") as handle:  # gzip's trailer: the uncompressed size mod 2**32
                handle.seek(-4, os.SEEK_END)
                plain += int.from_bytes(handle.read(4), "little")
        summary = summary_path(folder, day.isoformat()).stat().st_size
        stored, plain = stored + summary, plain + summary
    return stored / len(days), plain / len(days)


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DUCKDB_PATH": str(data_dir / "warehouse" / "spotify.duckdb"),
        "DO_NOT_TRACK": "1",
    }


def dbt_build(data_dir: Path) -> float:
    """Wall time of a plain `dbt build` (CLI, its own process)."""
    started = time.perf_counter()
    run = subprocess.run(
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
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"dbt build failed in {data_dir}:\n{run.stdout[-4000:]}")
    return elapsed


# spotify_dbt's tasks, one process each as Airflow runs them (the build summary goes to the
# export through a file instead of XCom).
DAG_TASKS = (
    "transform.source_freshness()",
    "json.dump(transform.build(), open(SUMMARY, 'w'))",
    "transform.export(json.load(open(SUMMARY)))",
    "transform.docs_generate()",
)


def dag_tasks(data_dir: Path) -> float:
    """Wall time of spotify_dbt's tasks (freshness, build, export, docs), without the
    scheduler."""
    summary = data_dir / "build-summary.json"
    started = time.perf_counter()
    for step in DAG_TASKS:
        code = (
            f"import json\nfrom orchestration import transform\nSUMMARY = {str(summary)!r}\n{step}"
        )
        run = subprocess.run(
            [sys.executable, "-c", code],
            env=_env(data_dir),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            sys.exit(f"spotify_dbt task failed ({step}):\n{run.stderr[-4000:]}")
    return time.perf_counter() - started


def daily_builds(raw: Path, work: Path, history: list[date], new: list[date]) -> list[float]:
    """Times of the daily builds adding `new` one by one on top of `history` (built first)."""
    link_days(raw, work, history)
    dbt_build(work)
    times = []
    for day in new:
        link_days(raw, work, [day])
        times.append(dbt_build(work))
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_work = Path(os.environ.get("DATA_DIR") or REPO_ROOT / "data") / "bench"
    parser.add_argument("--workdir", type=Path, default=default_work)
    parser.add_argument("--history", type=int, default=365)
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--artist-days", type=int, default=30)
    args = parser.parse_args(argv)
    work = args.workdir.resolve()
    raw, runs = work / "raw-default", work / f"runs-{int(time.time())}"

    days = _days(args.history + 2)  # the history, then two new days
    print(f"generating {len(days)} days of the default roster in {raw} (reused when present)")
    print("  how: ingestion.extract.extract_day over HTTP against the in-process sandbox")
    spent = generate(raw, days)
    print(f"  {spent:.1f}s")
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
        week.append(dbt_build(week_dir))
        link_days(raw, year_dir, [day])
        year.append(dbt_build(year_dir))

    # The DAG's tasks against a bare build of the same data (7 days, fresh warehouses).
    bare = dbt_build(_linked(raw, runs / "bare", days[:7]))
    dag = dag_tasks(_linked(raw, runs / "dag", days[:7]))

    # 1,000 generated artists (plus the roster), 30 days of history, then one new day.
    from ingestion.sandbox.server import SandboxServer

    big_raw = work / f"raw-{args.artists}-artists"
    big_days = _days(args.artist_days + 1)
    with SandboxServer(tier="extended", extra_artists=args.artists) as server:
        ids = [aid for _, aid in server.roster] + list(server.generated_artist_ids)
        roster = work / f"artists-{args.artists}.yml"
        lines = ["artists:"] + [
            f"  - {{name: {server.catalogue.artists[a].name!r}, id: {a!r}}}" for a in ids
        ]
        roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"generating {len(big_days)} days of {len(ids)} artists in {big_raw}")
        spent = generate(
            big_raw,
            big_days,
            roster=str(roster),
            server={"api_base_url": server.api_base_url, "token_url": server.token_url},
        )
        print(f"  {spent:.1f}s")
    big = daily_builds(big_raw, runs / "big", big_days[:-1], big_days[-1:])

    week_daily, year_daily = statistics.median(week), statistics.median(year)
    print()
    print(f"spotify warehouse bench ({os.cpu_count()} cores), plain `dbt build` wall times")
    print(f"  daily build, 7 days of history:    {week_daily:6.1f}s  (runs: {_list(week)})")
    print(
        f"  daily build, {args.history} days of history:  {year_daily:6.1f}s  (runs: {_list(year)})"
    )
    ratio = year_daily / week_daily
    print(f"  ratio {args.history} / 7:                   {ratio:6.2f}   (target <= 1.2)")
    print(f"  {args.history} days from scratch, one build: {full_year:6.1f}s  (target <= 180s)")
    stored, plain = per_day
    print(
        f"  raw bytes per day (default roster): {stored / 1e6:6.3f} MB, {stored / plain:.2f} of "
        f"the same data as plain CSV ({plain / 1e6:.3f} MB) (target <= 1/3)"
    )
    print(
        f"  daily build, {len(ids)} artists, {args.artist_days} days: {big[0]:6.1f}s "
        "(target < 60s on 2 cores)"
    )
    print(
        f"  spotify_dbt tasks {dag:.1f}s vs bare build {bare:.1f}s: {dag / bare:.2f}x "
        "(target <= 1.5x; tasks run as processes, no scheduler)"
    )


def _linked(raw: Path, data_dir: Path, days: list[date]) -> Path:
    link_days(raw, data_dir, days)
    return data_dir


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}s" for v in values)


if __name__ == "__main__":
    main()
