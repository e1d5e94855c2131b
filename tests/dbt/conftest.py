"""Fixtures of the dbt project's tests: real sandbox raw files, produced once per session.

The raw files are written by `ingestion.extract.extract_day` against the in-process sandbox
(no credentials) for each tier, for the default roster plus the sandbox's three playlists,
then copied day by day into each test's own DATA_DIR, so every warehouse starts from exactly
what the pipeline writes.
"""

from __future__ import annotations

import pytest
from dbt_harness import OWN_PLAYLIST, PLAYLISTS, roster_with_playlists, snapshot_dates


@pytest.fixture(scope="session")
def raw_source(tmp_path_factory):
    """{tier: folder holding raw/<entity>/<date>.csv for DAYS consecutive sandbox days}."""
    from ingestion.extract import extract_day
    from ingestion.settings import Settings

    roster = roster_with_playlists(tmp_path_factory.mktemp("roster") / "artists.yml")
    folders = {}
    for tier in ("extended", "development"):
        folder = tmp_path_factory.mktemp(f"raw-{tier}")
        # No credentials: the in-process sandbox, which limits no rate. A day of this roster is
        # 160 requests in Development Mode, past the client's default 150 per 30 s: at that
        # default each day would wait 30 s (the limiter's own tests are in tests/ingestion).
        settings = Settings(access_tier=tier, requests_per_30s=1000)
        for day in snapshot_dates():
            summary = extract_day(day, data_dir=folder, settings=settings, artists_file=roster)
            assert summary["mode"] == "sandbox"
            assert summary["tier"] == tier
            # Development Mode reads only the app user's own playlist; the others fail alone.
            failed = {f["id"] for f in summary["failed_playlists"]}
            assert failed == (set() if tier == "extended" else set(PLAYLISTS) - {OWN_PLAYLIST})
        folders[tier] = folder
    return folders
