"""Fixtures of the dbt project's tests: real sandbox raw files and dbt's parse of the project,
each made once per run.

The raw files are written by `ingestion.extract.extract_day` against the in-process sandbox
(no credentials) for each tier, for the default roster plus the sandbox's three playlists,
then copied day by day into each test's own DATA_DIR, so every warehouse starts from exactly
what the pipeline writes.
"""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import dbt_harness
import pytest
from dbt_harness import (
    OWN_PLAYLIST,
    PLAYLISTS,
    parse_project,
    roster_with_playlists,
    snapshot_dates,
)

TIERS = ("extended", "development")


def extract_raw_source(folder: Path) -> None:
    """DAYS sandbox days of each tier into folder/<tier>/raw/."""
    from ingestion.extract import extract_day
    from ingestion.settings import Settings

    roster = roster_with_playlists(folder / "artists.yml")
    for tier in TIERS:
        # No credentials: the in-process sandbox, which limits no rate. A day of this roster is
        # 160 requests in Development Mode, past the client's default 150 per 30 s: at that
        # default each day would wait 30 s (the limiter's own tests are in tests/ingestion).
        settings = Settings(access_tier=tier, requests_per_30s=1000)
        for day in snapshot_dates():
            summary = extract_day(
                day, data_dir=folder / tier, settings=settings, artists_file=roster
            )
            assert summary["mode"] == "sandbox"
            assert summary["tier"] == tier
            # Development Mode reads only the app user's own playlist; the others fail alone.
            failed = {f["id"] for f in summary["failed_playlists"]}
            assert failed == (set() if tier == "extended" else set(PLAYLISTS) - {OWN_PLAYLIST})


def made_once_per_run(tmp_path_factory, worker_id: str, name: str, make) -> Path:
    """A folder `make(folder)` fills, made once per run: pytest-xdist's workers share one copy,
    made by the first to need it while the others wait on its lock."""
    if worker_id == "master":  # no xdist
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker killed while making it
            folder.mkdir()
            make(folder)
            (folder / ".complete").touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def parsed_project(tmp_path_factory, worker_id) -> Path:
    """The dbt-target folder of dbt's parse of the project, made once per run, which every
    warehouse's first command starts from (`dbt_harness.PARSED_PROJECT`)."""
    folder = made_once_per_run(tmp_path_factory, worker_id, "dbt-parse", parse_project)
    dbt_harness.PARSED_PROJECT = folder / "dbt-target"
    return dbt_harness.PARSED_PROJECT


@pytest.fixture(scope="session")
def raw_source(tmp_path_factory, worker_id) -> dict[str, Path]:
    """{tier: folder holding raw/<entity>/<date>.csv for DAYS consecutive sandbox days}, read
    only, extracted once per run (the first day in the name: the days are the same)."""
    name = f"raw-source-{snapshot_dates()[0]}"
    folder = made_once_per_run(tmp_path_factory, worker_id, name, extract_raw_source)
    return {tier: folder / tier for tier in TIERS}
