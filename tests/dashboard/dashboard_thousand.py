"""A 1,001-artist export for the dashboard tests, made from a real one without a build.

Every mart of a real sandbox export (eleven artists) is copied 91 times: in copy k, every id
(`*_id`, and the id lists) gets the suffix `-k` and every artist, track and album name ` k`, so
the copies are 91 disjoint casts of the same shape; the open signals are shifted up by k and
popularity down by k mod 10 (within 0-100), so the copies do not all tie. Marts without ids
(dates, run results, match rates) are kept as they are. A day of it has 1,001 artists and
about 10,000 top tracks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

COPIES = 91
ARTISTS = 11 * COPIES
NAMES = ("artist_name", "via_artist_name", "track_name", "track_label", "album_name")
SHIFTED = ("deezer_fans", "lastfm_plays", "lastfm_listeners", "deezer_rank")
NUMBERS = ("INTEGER", "BIGINT", "DOUBLE", "HUGEINT", "DECIMAL(18,3)")


def _replacements(columns: dict[str, str]) -> list[str]:
    out = []
    for name, kind in columns.items():
        if name.endswith("_id") and kind == "VARCHAR":
            out.append(f"{name} || '-' || copy as {name}")
        elif name.endswith("_ids") and kind == "VARCHAR[]":
            out.append(f"list_transform({name}, lambda x: x || '-' || copy) as {name}")
        elif name in NAMES and kind == "VARCHAR":
            out.append(f"{name} || ' ' || copy as {name}")
        elif name == "popularity" and kind in NUMBERS:
            out.append(f"greatest({name} - copy % 10, 0)::{kind} as {name}")  # stays 0-100
        elif name in SHIFTED and kind in NUMBERS:
            out.append(f"({name} + copy)::{kind} as {name}")
    return out


def thousand_artists(marts: Path, data_dir: Path) -> Path:
    """Write the multiplied copy of the export `marts` into `<data_dir>/marts`; data_dir."""
    out = data_dir / "marts"
    shutil.copytree(marts, out)
    with duckdb.connect(":memory:") as con:
        for path in sorted(out.glob("*.parquet")):
            described = con.execute("describe select * from read_parquet(?)", [str(path)])
            columns = {row[0]: row[1] for row in described.fetchall()}
            replaced = _replacements(columns)
            if not any(c.endswith(("_id", "_ids")) for c in columns):
                continue
            select = "select * exclude (copy)"
            if replaced:
                select += f" replace ({', '.join(replaced)})"
            frame = con.sql(
                f"{select} from read_parquet($path), range({COPIES}) t(copy)",
                params={"path": str(path)},
            ).to_arrow_table()
            pq.write_table(frame, path)
    return data_dir
