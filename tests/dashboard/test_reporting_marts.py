"""The reporting marts against an independent computation from the raw files.

The sandbox warehouse (`sandbox_marts`) holds eight days with a gap, so day-over-day changes
across the gap and 7-day windows that do not start on the first day are both exercised. The
expected values are computed here with plain Python over the raw CSVs (the complete API
objects), not with the dbt project's SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest


def raw_rows(data_dir: Path, entity: str) -> list[dict]:
    """Every row of `raw/<entity>/*.csv` (the raw layer's format, docs/interfaces.md s. 2)."""
    csv.field_size_limit(1 << 30)
    rows = []
    for path in sorted((data_dir / "raw" / entity).glob("*.csv*")):
        opener = __import__("gzip").open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def mart(built, model: str) -> list[dict]:
    return pq.read_table(built.marts / f"{model}.parquet").to_pylist()


def day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


class Raw:
    """What the raw files say, per (entity, day)."""

    def __init__(self, data_dir: Path) -> None:
        self.artists: dict[tuple[str, dt.date], dict] = {}
        for row in raw_rows(data_dir, "artists"):
            obj = json.loads(row["artist_json"])
            self.artists[(row["artist_id"], day(row["snapshot_date"]))] = {
                "name": obj["name"],
                "popularity": obj.get("popularity"),
                "followers": (obj.get("followers") or {}).get("total"),
            }
        self.dates = sorted({d for _, d in self.artists})
        # One row per (track, day): the tracked artist ranking it highest, then the smaller id.
        slots: dict[tuple[str, dt.date], list] = defaultdict(list)
        self.names: dict[str, str] = {a: v["name"] for (a, _), v in self.artists.items()}
        for row in raw_rows(data_dir, "top_tracks"):
            obj = json.loads(row["track_json"])
            slots[(row["track_id"], day(row["snapshot_date"]))].append(
                (int(row["rank"]), row["tracked_artist_id"], obj)
            )
        self.tracks: dict[tuple[str, dt.date], dict] = {}
        for key, candidates in slots.items():
            rank, tracked, obj = min(candidates, key=lambda c: (c[0], c[1]))
            self.tracks[key] = {
                "name": obj["name"],
                "artist_id": obj["artists"][0]["id"],
                "artist_name": obj["artists"][0]["name"],
                "tracked_artist_id": tracked,
                "popularity": obj.get("popularity"),
                "rank": rank,
            }

    def window_start(self, end: dt.date) -> dt.date | None:
        earlier = [d for d in self.dates if end - dt.timedelta(days=7) <= d < end]
        return min(earlier) if earlier else None


@pytest.fixture(scope="module")
def raw(sandbox_marts) -> Raw:
    return Raw(sandbox_marts.data_dir)


def test_the_fixture_has_a_gap_and_a_full_week(sandbox_marts, raw):
    assert raw.dates == sorted(sandbox_marts.days)
    gaps = [b for a, b in zip(raw.dates, raw.dates[1:], strict=False) if (b - a).days > 1]
    assert gaps, "the sandbox warehouse should have a missing day"
    assert raw.window_start(raw.dates[-1]) != raw.dates[0]


def test_artist_popularity_daily_matches_the_raw_artists(sandbox_marts, raw):
    rows = {
        (r["artist_id"], day(r["snapshot_date"])): r
        for r in mart(sandbox_marts, "artist_popularity_daily")
    }
    assert set(rows) == set(raw.artists)
    for (artist_id, snapshot), expected in raw.artists.items():
        row = rows[(artist_id, snapshot)]
        before = raw.artists.get((artist_id, snapshot - dt.timedelta(days=1)))
        assert row["artist_name"] == expected["name"]
        assert row["popularity"] == expected["popularity"]
        assert row["followers"] == expected["followers"]
        assert row["popularity_change"] == (
            None if before is None else expected["popularity"] - before["popularity"]
        ), (artist_id, snapshot)
        assert row["followers_change"] == (
            None if before is None else expected["followers"] - before["followers"]
        )
        slots = [
            t
            for (_, d), t in raw.tracks.items()
            if d == snapshot and t["tracked_artist_id"] == artist_id
        ]
        assert row["top_track_count"] == len(slots)


def test_artist_movers_7d_matches_the_raw_artists(sandbox_marts, raw):
    rows = {
        (r["artist_id"], day(r["window_end_date"])): r
        for r in mart(sandbox_marts, "artist_movers_7d")
    }
    expected = {}
    for end in raw.dates:
        start = raw.window_start(end)
        if start is None:
            continue
        for (artist_id, snapshot), now in raw.artists.items():
            then = raw.artists.get((artist_id, start))
            if snapshot == end and then is not None:
                expected[(artist_id, end)] = (start, then, now)
    assert set(rows) == set(expected)
    directions = set()
    for key, (start, then, now) in expected.items():
        row = rows[key]
        change = now["popularity"] - then["popularity"]
        followers_change = now["followers"] - then["followers"]
        assert day(row["window_start_date"]) == start
        assert (row["popularity_start"], row["popularity_end"]) == (
            then["popularity"],
            now["popularity"],
        )
        assert row["popularity_change"] == change
        assert row["followers_change"] == followers_change
        # Popularity decides (followers only where there is no popularity: Development Mode).
        want = "rising" if change > 0 else "falling" if change < 0 else "steady"
        assert row["direction"] == want, key
        directions.add(want)
    assert len(directions) > 1, "eight sandbox days should move artists both ways"


def test_top_artists_share_of_top_track_popularity(sandbox_marts, raw):
    rows = mart(sandbox_marts, "top_artists")
    assert {(r["artist_id"], day(r["snapshot_date"])) for r in rows} == set(raw.artists)
    for snapshot in raw.dates:
        tracks = [t for (_, d), t in raw.tracks.items() if d == snapshot]
        total = sum(t["popularity"] for t in tracks)
        day_rows = [r for r in rows if day(r["snapshot_date"]) == snapshot]
        for row in day_rows:
            mine = [t for t in tracks if t["tracked_artist_id"] == row["artist_id"]]
            share = round(sum(t["popularity"] for t in mine) / total, 4) if mine else None
            assert row["share_of_top_track_popularity"] == pytest.approx(share), row
            assert row["share_of_top_track_slots"] == pytest.approx(
                round(len(mine) / len(tracks), 4)
            )
        assert sum(r["share_of_top_track_popularity"] or 0 for r in day_rows) == pytest.approx(
            1, abs=1e-3
        )
        # The rank orders by the artists' own popularity, then followers.
        by_rank = sorted(day_rows, key=lambda r: r["popularity_rank"])
        assert [r["popularity_rank"] for r in by_rank] == list(range(1, len(day_rows) + 1))
        assert by_rank == sorted(
            day_rows,
            key=lambda r: (
                -r["popularity"],
                -r["followers"],
                -r["top_track_count"],
                r["artist_name"],
            ),
        )


def test_top_tracks_carry_their_own_artist_and_the_tracked_one(sandbox_marts, raw):
    rows = {(r["track_id"], day(r["snapshot_date"])): r for r in mart(sandbox_marts, "top_tracks")}
    assert set(rows) == set(raw.tracks)
    via = 0
    for key, expected in raw.tracks.items():
        row = rows[key]
        assert row["artist_id"] == expected["artist_id"]
        assert row["artist_name"] == expected["artist_name"]
        assert row["tracked_artist_id"] == expected["tracked_artist_id"]
        assert row["popularity"] == expected["popularity"]
        if expected["artist_id"] != expected["tracked_artist_id"]:
            via += 1
            tracked = raw.names[expected["tracked_artist_id"]]
            assert row["via_artist_name"] == tracked
            assert (
                row["track_label"]
                == f"{expected['name']} · {expected['artist_name']} (via {tracked})"
            )
        else:
            assert row["via_artist_name"] is None
            assert row["track_label"] == f"{expected['name']} · {expected['artist_name']}"
        before = raw.tracks.get((key[0], key[1] - dt.timedelta(days=1)))
        assert row["popularity_change"] == (
            None if before is None else expected["popularity"] - before["popularity"]
        )
    assert via, "the sandbox holds collaborations found through another artist's top tracks"


def test_track_movers_7d_matches_the_raw_top_tracks(sandbox_marts, raw):
    rows = {
        (r["track_id"], day(r["window_end_date"])): r
        for r in mart(sandbox_marts, "track_movers_7d")
    }
    expected = {}
    for end in raw.dates:
        start = raw.window_start(end)
        if start is None:
            continue
        ids = {t for (t, d) in raw.tracks if d in (start, end)}
        for track_id in ids:
            expected[(track_id, end)] = (
                start,
                raw.tracks.get((track_id, start)),
                raw.tracks.get((track_id, end)),
            )
    assert set(rows) == set(expected)
    for key, (start, then, now) in expected.items():
        row = rows[key]
        assert day(row["window_start_date"]) == start
        assert row["popularity_start"] == (then and then["popularity"])
        assert row["popularity_end"] == (now and now["popularity"])
        assert row["artist_name"] == (now or then)["artist_name"]
        if then is None:
            want = "rising"
        elif now is None:
            want = "falling"
        else:
            change = now["popularity"] - then["popularity"]
            assert row["popularity_change"] == change
            assert row["rank_change"] == then["rank"] - now["rank"]
            want = "rising" if change > 0 else "falling" if change < 0 else "steady"
        assert row["direction"] == want, key
