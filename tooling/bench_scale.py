"""`make bench-scale` (`python -m tooling.bench --scale`): the warehouse at 1,000 artists and a
year of history, on one machine (#23).

Raw data: a roster of `--artists` (the default roster's 11, then the sandbox catalogue's
generated artists) over `--days` days plus two new ones, every source (Spotify, Deezer,
Last.fm), generated once by `tooling.bench_data` (the real extraction and raw writer over the
sandbox's catalogue, no HTTP, `--workers` processes) under `--workdir`/scale-<artists>x<days>/,
reused by later runs; the generation's time is printed (0 when everything was there).

Then, each figure with its target beside it: the first build of the year from scratch; the daily
build (one new day, two samples, median) at 7 and at `--days` days of history and their ratio,
with the models whose time grows most with history; the export after a daily build and the
marts' size on disk; each dashboard page's queries over those marts (`tooling.bench_dashboard`:
median and worst of 5); the builds' peak memory (RSS of the dbt process, from the kernel);
raw bytes per day; the requests one day of extraction needs in each access tier against the
minimum, and their time at the configured rate limits (`tooling.bench_requests`).

Small runs check the section itself: `make bench-scale SCALE_ARTISTS=40 SCALE_DAYS=20`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from ingestion import paths
from tooling import bench_dashboard, bench_data, bench_requests
from tooling.bench import _days, link_days, measured_build, raw_bytes_per_day

GIB = 1024**3
DAILY_TARGET_SECONDS = 60
RATIO_TARGET = 1.3
YEAR_TARGET_SECONDS = 15 * 60
RSS_TARGET = 4 * GIB
PAGE_TARGET_SECONDS = 1.0


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.resolve().rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(paths.data_dir()) / "bench")
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365, help="days of history")
    parser.add_argument("--workers", type=int, default=2, help="processes generating raw days")
    args = parser.parse_args(argv)
    if args.days < 7:
        parser.error("--days must be at least 7 (the daily build is measured at 7 days too)")
    work = args.workdir.resolve() / f"scale-{args.artists}x{args.days}"
    raw, runs = work / "raw", work / f"runs-{int(time.time())}"
    roster, extra = bench_data.write_roster(work / "artists.yml", args.artists)
    days = _days(args.days + 2)  # the history, then two new days

    print(f"generating {len(days)} days of {args.artists} artists in {raw} (reused when present)")
    print("  how: the real extraction (Spotify, Deezer, Last.fm) over the sandbox, no HTTP")
    spent = bench_data.generate(raw, days, roster=roster, extra_artists=extra, workers=args.workers)
    print(f"  {spent:.1f}s ({args.workers} processes)")

    year_dir, week_dir = runs / "year", runs / "week"
    print(f"building {args.days} days from scratch in {year_dir}")
    link_days(raw, year_dir, days[: args.days])
    first = measured_build(year_dir)
    link_days(raw, week_dir, days[args.days - 7 : args.days])
    measured_build(week_dir)
    week, year = [], []
    for day in days[args.days :]:  # interleaved, so both see the same machine
        print(f"daily builds with {day}")
        link_days(raw, week_dir, [day])
        week.append(measured_build(week_dir))
        link_days(raw, year_dir, [day])
        year.append(measured_build(year_dir))

    from warehouse.export import export_marts

    started = time.perf_counter()
    export_marts(year_dir / "warehouse" / "spotify.duckdb", year_dir / "marts", None)
    export_seconds = time.perf_counter() - started
    marts_bytes = folder_size(year_dir / "marts")
    print("timing the dashboard's queries (each page rendered once with AppTest to record them)")
    pages = bench_dashboard.time_pages(year_dir)
    stored, plain = raw_bytes_per_day(raw, days)
    requests_lines = bench_requests.figures(
        raw, days[-1], roster=roster, extra_artists=extra, workers=1
    )

    week_daily = statistics.median(b.seconds for b in week)
    year_daily = statistics.median(b.seconds for b in year)
    ratio = year_daily / week_daily
    peak = max([first, *week, *year], key=lambda b: b.peak_rss)
    print()
    print(
        f"scale bench: {args.artists} artists, {args.days} days ({os.cpu_count()} cores, "
        f"DUCKDB_MEMORY_LIMIT={os.environ.get('DUCKDB_MEMORY_LIMIT') or 'default'}, "
        f"DUCKDB_THREADS={os.environ.get('DUCKDB_THREADS') or 'default'})"
    )
    print(f"  raw data generated in {spent:.1f}s ({args.workers} processes; 0 when cached)")
    print(
        f"  first build, {args.days} days from scratch: {first.seconds:7.1f}s  "
        f"(target <= {YEAR_TARGET_SECONDS}s)"
    )
    print(f"  daily build, 7 days of history:      {week_daily:7.1f}s  (runs: {_runs(week)})")
    print(
        f"  daily build, {args.days} days of history: {year_daily:7.1f}s  (runs: {_runs(year)}) "
        f"(target < {DAILY_TARGET_SECONDS}s)"
    )
    print(f"  ratio {args.days} / 7:                    {ratio:7.2f}   (target <= {RATIO_TARGET})")
    print("  where the daily build's time grows with history (model: 7 days -> long history):")
    for name, short, long in growth(week, year)[:8]:
        print(f"    {name:<40} {short:6.2f}s -> {long:6.2f}s")
    print(
        f"  peak memory (RSS) of a build: {peak.peak_rss / GIB:.2f} GiB, in {peak.data_dir.name}"
        f" (first build {first.peak_rss / GIB:.2f} GiB) (target <= {RSS_TARGET / GIB:.0f} GiB)"
    )
    print(
        f"  export after the daily build: {export_seconds:.1f}s; marts on disk: "
        f"{marts_bytes / 1e6:.1f} MB (no target)"
    )
    print(
        f"  dashboard pages' queries over those marts, median and worst of 5 "
        f"(target <= {PAGE_TARGET_SECONDS:g}s per page):"
    )
    for page in pages:
        note = f"  PAGE ERROR: {page.error}" if page.error else ""
        print(
            f"    {page.page:<28} {page.queries:3d} queries: {page.median:6.2f}s median, "
            f"{page.worst:6.2f}s worst, slowest query {page.slowest:.2f}s{note}"
        )
    print(
        f"  raw bytes per day: {stored / 1e6:.2f} MB, {stored / plain:.2f} of the same data as "
        f"plain CSV ({plain / 1e6:.2f} MB) (no target)"
    )
    print(f"  requests for one day of extraction, {args.artists} artists ({days[-1]}; no target):")
    print("\n".join(requests_lines))


def growth(week: list, year: list) -> list[tuple[str, float, float]]:
    """Models by how much longer they take in the long-history daily build (medians)."""
    short = [b.model_seconds() for b in week]
    long = [b.model_seconds() for b in year]
    names = set().union(*short, *long)
    rows = [
        (
            name,
            statistics.median(s.get(name, 0.0) for s in short),
            statistics.median(s.get(name, 0.0) for s in long),
        )
        for name in names
    ]
    return sorted(rows, key=lambda r: r[2] - r[1], reverse=True)


def _runs(builds: list) -> str:
    return ", ".join(f"{b.seconds:.1f}s" for b in builds)


if __name__ == "__main__":
    main()
