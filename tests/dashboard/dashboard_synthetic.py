"""A small warehouse with one table per exported model, for the export tests.

`warehouse.export` only copies tables, so their content need not be the real marts' (the
dashboard's own tests use a real sandbox build, dashboard_pipeline.py): 18 tracks over eight
days in `fact_track_popularity` (144 rows), the last day's 18 in `top_tracks`, three rows in
every other model.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from warehouse.export import export_marts
from warehouse.models import MART_MODELS

DAYS = [dt.date(2026, 11, 18) + dt.timedelta(days=i) for i in range(8)]
TRACKS = 18


def build_synthetic_marts(root: Path) -> Path:
    """Write `<root>/warehouse/spotify.duckdb` and export it to `<root>/marts`; return root."""
    warehouse = root / "warehouse" / "spotify.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for model in MART_MODELS:
            days, rows = (DAYS, TRACKS) if model == "fact_track_popularity" else (DAYS[-1:], 3)
            if model == "top_tracks":
                rows = TRACKS
            con.execute(
                f'create table "{model}" as '  # noqa: S608 (names from MART_MODELS)
                "select 'id' || i as id, d::date as snapshot_date, 50 + i as popularity "
                "from range(?) t(i), unnest(?::date[]) u(d)",
                [rows, days],
            )
    export_marts(
        warehouse,
        root / "marts",
        {"status": "success", "finished_at": "2026-11-25T06:10:00Z", "tests": {"pass": 42}},
    )
    return root
