"""A small, realistic warehouse with the documented mart columns (docs/interfaces.md section 5).

Used where a real sandbox build would make a case slower without making it truer: each call
builds a DuckDB file with every model and exports it with `warehouse.export.export_marts`, the
same path the pipeline takes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.export import export_marts

ARTISTS = [
    # id, name, popularity, followers, genres
    ("art1", "Aurora Lane", 88, 96_300_000, "pop, synth-pop"),
    ("art2", "The Midnight Static", 71, 2_450_000, "indie rock"),
    ("art3", "Kofi Mensah", 64, 815_000, "afrobeats, highlife"),
]
FEATURED = ("art9", "DJ Harbor", 55, 120_000, "house")
DAYS = [dt.date(2026, 11, 18) + dt.timedelta(days=i) for i in range(8)]


def _frames(development: bool) -> dict[str, pd.DataFrame]:
    albums, tracks, facts = [], [], []
    for a_index, (artist_id, artist_name, *_rest) in enumerate(ARTISTS):
        for b in range(2):
            album_id = f"alb{a_index}{b}"
            release = dt.date(2019 + 2 * b + a_index, 1 + 4 * b + a_index, 10 + a_index)
            albums.append(
                {
                    "album_id": album_id,
                    "album_name": f"{artist_name} {'Live' if b else 'Debut'}",
                    "album_type": "album" if b == 0 else "single",
                    "release_date": release.isoformat(),
                    "release_date_precision": "day",
                    "label": f"{artist_name.split()[0]} Records",
                    "total_tracks": 10 - 4 * b,
                    "popularity": 60 + 5 * a_index - 3 * b,
                    "valid_from": DAYS[0],
                    "valid_to": None,
                }
            )
            for t in range(3):
                track_id = f"trk{a_index}{b}{t}"
                tracks.append(
                    {
                        "track_id": track_id,
                        "track_name": f"{['Neon', 'River', 'Glass'][t]} {['Hearts', 'Days'][b]}",
                        "album_id": album_id,
                        "duration_ms": 180_000 + 19_000 * t + 7_000 * b + 1_000 * a_index,
                        "is_explicit": (t + b) % 3 == 0,
                        "isrc": f"USAB{a_index}{b}{t}000001",
                        "valid_from": DAYS[0],
                        "valid_to": None,
                        "_artist_id": artist_id,
                        "_rank": 1 + 3 * b + t,
                    }
                )
    track_frame = pd.DataFrame(tracks)
    for day_index, day in enumerate(DAYS):
        for track in tracks:
            base = 80 - 4 * track["_rank"] - 5 * int(track["_artist_id"][-1])
            drift = day_index * (1 if track["_rank"] % 2 else -1)
            popularity = base + drift
            previous = popularity - (1 if track["_rank"] % 2 else -1) if day_index else None
            facts.append(
                {
                    "track_id": track["track_id"],
                    "snapshot_date": day,
                    "date_key": int(day.strftime("%Y%m%d")),
                    "album_id": track["album_id"],
                    "artist_id": track["_artist_id"],
                    "tracked_artist_id": track["_artist_id"],
                    "popularity": popularity,
                    "popularity_change": None if previous is None else popularity - previous,
                    "top_track_rank": track["_rank"],
                }
            )
    fact = pd.DataFrame(facts)
    fact["popularity_change"] = fact["popularity_change"].astype("Int64")
    latest = fact[fact["snapshot_date"] == DAYS[-1]].merge(
        track_frame.drop(columns=["album_id", "_artist_id", "_rank"]), on="track_id"
    )
    latest = latest.merge(pd.DataFrame(albums), on="album_id", suffixes=("", "_album"))
    names = {a[0]: a[1] for a in ARTISTS}
    latest["artist_name"] = latest["artist_id"].map(names)
    latest["duration_minutes"] = latest["duration_ms"] / 60_000
    latest["popularity_rank"] = latest["popularity"].rank(ascending=False, method="min")
    latest["popularity_rank"] = latest["popularity_rank"].astype("int64")

    artist_rows = [*ARTISTS, FEATURED]
    dim_artist = pd.DataFrame(
        [
            {
                "artist_id": a[0],
                "artist_name": a[1],
                "popularity": a[2],
                "followers": a[3],
                "genres": a[4],
                "is_tracked": a[0] != FEATURED[0],
                "valid_from": DAYS[0],
                "valid_to": None,
            }
            for a in artist_rows
        ]
    )
    counts = latest.groupby("artist_id").size()
    top_artists = pd.DataFrame(
        [
            {
                "artist_id": a[0],
                "artist_name": a[1],
                "popularity": a[2],
                "followers": a[3],
                "popularity_rank": i + 1,
                "tracked_track_count": int(counts[a[0]]),
                "share_of_tracked_tracks": counts[a[0]] / counts.sum(),
                "snapshot_date": DAYS[-1],
            }
            for i, a in enumerate(ARTISTS)
        ]
    )
    top_tracks = latest[
        [
            "track_id",
            "track_name",
            "artist_name",
            "album_name",
            "popularity",
            "popularity_rank",
            "top_track_rank",
            "duration_minutes",
            "snapshot_date",
        ]
    ].sort_values("popularity_rank")
    latest["release_year"] = latest["release_date"].str[:4].astype("int64")
    latest["release_month"] = latest["release_date"].str[5:7].astype("int64")
    by_month = (
        latest.groupby(["release_year", "release_month"])
        .agg(track_count=("track_id", "count"), avg_popularity=("popularity", "mean"))
        .reset_index()
    )
    album_vs = (
        latest.groupby(["album_id", "album_name", "artist_name", "popularity_album"])
        .agg(
            avg_track_popularity=("popularity", "mean"),
            max_track_popularity=("popularity", "max"),
            tracked_track_count=("track_id", "count"),
        )
        .reset_index()
        .rename(columns={"popularity_album": "album_popularity"})
    )
    album_vs["popularity_gap"] = album_vs["album_popularity"] - album_vs["avg_track_popularity"]
    genres = {a[0]: a[4] for a in ARTISTS}
    catalogue = latest.assign(
        artist_names=latest["artist_name"],
        primary_artist_name=latest["artist_name"],
        genres=latest["artist_id"].map(genres),
    )[
        [
            "track_id",
            "track_name",
            "artist_names",
            "primary_artist_name",
            "genres",
            "album_name",
            "release_date",
            "duration_minutes",
            "is_explicit",
            "popularity",
        ]
    ]
    catalogue.loc[catalogue["track_id"] == "trk000", "artist_names"] = "Aurora Lane, DJ Harbor"
    insights = []
    for artist_id, artist_name, popularity, followers, _g in ARTISTS:
        rows = latest[latest["artist_id"] == artist_id]
        best = rows.sort_values("popularity", ascending=False).iloc[0]
        insights.append(
            {
                "artist_id": artist_id,
                "artist_name": artist_name,
                "popularity": popularity,
                "followers": followers,
                "avg_tracks_per_album": float(rows["total_tracks"].mean()),
                "first_release_date": rows["release_date"].min(),
                "latest_release_date": rows["release_date"].max(),
                "avg_track_popularity": float(rows["popularity"].mean()),
                "avg_track_duration_minutes": float(rows["duration_minutes"].mean()),
                "explicit_track_share": float(rows["is_explicit"].mean()),
                "top_track_name": best["track_name"],
                "top_track_album_name": best["album_name"],
            }
        )
    start = fact[fact["snapshot_date"] == DAYS[1]].set_index("track_id")
    end = fact[fact["snapshot_date"] == DAYS[-1]].set_index("track_id")
    movers = latest[["track_id", "track_name", "artist_name"]].set_index("track_id")
    movers["popularity_start"] = start["popularity"]
    movers["popularity_end"] = end["popularity"]
    movers["popularity_change"] = movers["popularity_end"] - movers["popularity_start"]
    movers["rank_start"] = start["top_track_rank"]
    movers["rank_end"] = end["top_track_rank"]
    movers["rank_change"] = movers["rank_start"] - movers["rank_end"]
    movers["direction"] = movers["popularity_change"].map(
        lambda c: "rising" if c > 0 else "falling" if c < 0 else "steady"
    )
    movers["window_start_date"] = DAYS[1]
    movers["window_end_date"] = DAYS[-1]
    dim_date = pd.DataFrame(
        {
            "date_key": [int(d.strftime("%Y%m%d")) for d in DAYS],
            "date_day": DAYS,
            "year": [d.year for d in DAYS],
            "month": [d.month for d in DAYS],
            "day_of_week": [d.isoweekday() for d in DAYS],
        }
    )
    frames = {
        "fact_track_popularity": fact,
        "dim_artist": dim_artist,
        "dim_album": pd.DataFrame(albums),
        "dim_track": track_frame.drop(columns=["_artist_id", "_rank"]),
        "dim_date": dim_date,
        "top_artists": top_artists,
        "top_tracks": top_tracks,
        "popularity_by_release_month": by_month,
        "album_vs_track_popularity": album_vs,
        "catalogue_details": catalogue,
        "artist_insights": pd.DataFrame(insights),
        "track_movers_7d": movers.reset_index(),
    }
    if development:
        # Development Mode: no popularity and no followers anywhere; ranks stay.
        for frame in frames.values():
            for column in frame.columns:
                if ("popularity" in column and "rank" not in column) or column == "followers":
                    frame[column] = pd.Series([None] * len(frame), dtype="Int64")
        frames["popularity_by_release_month"]["avg_popularity"] = pd.Series(
            [None] * len(by_month), dtype="Float64"
        )
        frames["track_movers_7d"]["direction"] = (
            movers["rank_change"]
            .map(lambda c: "rising" if c > 0 else "falling" if c < 0 else "steady")
            .to_numpy()
        )
    return frames


def build_synthetic_marts(root: Path, *, development: bool = False) -> Path:
    """Write `<root>/warehouse/spotify.duckdb` and export it to `<root>/marts`; return root."""
    warehouse = root / "warehouse" / "spotify.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for name, frame in _frames(development).items():
            con.register("frame", frame)
            con.execute(f'create or replace table "{name}" as select * from frame')  # noqa: S608
            con.unregister("frame")
    export_marts(
        warehouse,
        root / "marts",
        {"status": "success", "finished_at": "2026-11-25T06:10:00Z", "tests": {"pass": 42}},
    )
    return root
