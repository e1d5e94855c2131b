"""Fixtures of the dbt project's tests: real sandbox raw files, produced once per session.

The raw files are written by `ingestion.extract.extract_day` against the in-process sandbox
(no credentials) for each tier, then copied day by day into each test's own DATA_DIR, so every
warehouse starts from exactly what the pipeline writes.
"""

from __future__ import annotations

import pytest
from dbt_harness import snapshot_dates


@pytest.fixture(scope="session")
def raw_source(tmp_path_factory):
    """{tier: folder holding raw/<entity>/<date>.csv for DAYS consecutive sandbox days}."""
    from ingestion.extract import extract_day
    from ingestion.settings import Settings

    folders = {}
    for tier in ("extended", "development"):
        folder = tmp_path_factory.mktemp(f"raw-{tier}")
        settings = Settings(access_tier=tier)  # no credentials: the in-process sandbox
        for day in snapshot_dates():
            summary = extract_day(day, data_dir=folder, settings=settings)
            assert summary["mode"] == "sandbox"
            assert summary["tier"] == tier
        folders[tier] = folder
    return folders
