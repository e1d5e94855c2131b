"""Build a DATA_DIR the way the pipeline does, for the dashboard tests.

Extract a few days from the sandbox with `ingestion.extract.extract_day` (extended or
development tier) and each day's open signals (`ingestion.open_signals`: Deezer, Last.fm),
`dbt build` into a DuckDB file in that folder, then `warehouse.export.export_marts`: raw/,
warehouse/ and marts/ as `make run` leaves them, with the build's results recorded
(`warehouse.run_results.record`) after a failed build.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from warehouse.dbt_runner import DbtRun
from warehouse.export import export_marts
from warehouse.run_results import record

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
DBT = Path(sys.executable).with_name("dbt")
# Eight pinned days, 27 Dec 2025 to 4 Jan 2026 without 1 Jan: a gap for the day-over-day
# changes and 7-day windows that do not start on the first day, and a range that crosses a
# year. The sandbox's data depends on the day, so the days are fixed (the suite gives the same
# result whatever day it runs) and chosen for what the pages must handle: two tracks of one
# artist sharing a name ("Fuego · Bad Bunny" on every day), eleven tracked artists.
FIRST_DAY = dt.date(2025, 12, 27)
EXTENDED_DAYS = [FIRST_DAY + dt.timedelta(days=i) for i in range(9) if i != 5]
DEVELOPMENT_DAYS = EXTENDED_DAYS[-2:]


@dataclass(frozen=True)
class Built:
    """A DATA_DIR with raw/, warehouse/ and marts/ from one pipeline run."""

    data_dir: Path
    duckdb_path: Path
    days: list[dt.date]
    tier: str
    build: dict

    @property
    def marts(self) -> Path:
        return self.data_dir / "marts"


def dbt_env(data_dir: Path, duckdb_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPOTIFY_", "DBT_", "STREAMLIT_"))
    }
    env.update(
        DATA_DIR=str(data_dir),
        DUCKDB_PATH=str(duckdb_path),
        DBT_PROFILES_DIR=str(ROOT / "dbt"),
        DO_NOT_TRACK="1",
        DUCKDB_THREADS="1",  # with --threads 1 below: tests/dbt/dbt_harness.py says why
    )
    return env


def dbt_build_command(data_dir: Path) -> list[str]:
    # Own target and log folders: other dbt runs in the same checkout must not collide. No
    # debug file log (about 7 % of a small build's CPU): dbt's output is the test's.
    return [
        str(DBT),
        "build",
        "--threads",
        "1",
        "--log-level-file",
        "none",
        "--project-dir",
        str(ROOT / "dbt"),
        "--profiles-dir",
        str(ROOT / "dbt"),
        "--target-path",
        str(data_dir / "dbt_target"),
        "--log-path",
        str(data_dir / "dbt_logs"),
    ]


def extract_days(data_dir: Path, days: list[dt.date], tier: str) -> None:
    """Spotify's day, then each open-signal source's (what `python -m ingestion extract` does)."""
    from ingestion.extract import extract_day
    from ingestion.open_signals import ENTITIES, extract_open_signals
    from ingestion.settings import Settings

    settings = Settings(access_tier=tier)
    for day in days:
        summary = extract_day(day, data_dir=data_dir, allow_past_date=True, settings=settings)
        assert summary["tier"] == tier
        for source in ENTITIES:
            extract_open_signals(
                day, source=source, data_dir=data_dir, settings=settings, allow_past_date=True
            )


def build_pipeline(data_dir: Path, days: list[dt.date], tier: str) -> Built:
    """Extract `days` from the sandbox, dbt build, export: what `make run` does."""
    duckdb_path = data_dir / "warehouse" / "spotify.duckdb"
    extract_days(data_dir, days, tier)
    result = subprocess.run(
        dbt_build_command(data_dir),
        cwd=ROOT,
        env=dbt_env(data_dir, duckdb_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-4000:]}{result.stderr}"
    run = DbtRun.from_run_results(data_dir / "dbt_target" / "run_results.json")
    # The build history (what the dbt DAG records) holds a failed build before this one.
    record(failed_copy(run), duckdb_path=duckdb_path, marts_dir=data_dir / "marts")
    record(run, duckdb_path=duckdb_path, marts_dir=data_dir / "marts")
    build = run.summary()
    export_marts(duckdb_path, data_dir / "marts", build)
    return Built(data_dir, duckdb_path, days, tier, build)


def failed_copy(run: DbtRun) -> DbtRun:
    """The same build a day earlier, in which its first data test failed (3 rows)."""
    first_test = next(n for n in run.nodes if n.resource_type == "test")
    nodes = [
        replace(n, status="fail", failures=3, message="Got 3 results, configured to fail if != 0")
        if n is first_test
        else n
        for n in run.nodes
    ]
    return DbtRun(
        run.command,
        False,
        nodes,
        invocation_id=f"failed-before-{run.invocation_id}",
        finished_at=run.finished_at - dt.timedelta(days=1),
    )
