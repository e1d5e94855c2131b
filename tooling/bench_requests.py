"""The requests one day of extraction needs, per access tier, against the minimum, and the time
they take at the configured rate limits (for `make bench` and `make bench-scale`).

Counted: what the real extraction made for the day (its run summaries, per source and
endpoint), the extended tier's from the bench's own day, the development tier's from the same
day extracted again in that tier (`tooling.bench_data`, same roster, same catalogue).
Minimum: from the day's published files, independently of the code that made the requests: one
token; extended: the artists in batches of 50, one top-tracks call per artist, each artist's
album pages of 10, the top tracks' albums in batches of 20; development: one call per artist,
the album pages, the search pages (as many as the search needs: counted, not derivable from the
files), one call per album; Deezer: one per distinct valid ISRC, Deezer artist and album;
Last.fm: one per distinct (artist, title) with a valid ISRC and per distinct artist.
Time: requests / the configured rate (SPOTIFY_REQUESTS_PER_30S, DEEZER_REQUESTS_PER_5S,
LASTFM_REQUESTS_PER_SECOND, defaults as documented); the two open-signal sources run side by
side after Spotify's day, so a day takes Spotify's time plus the slower source's.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from pathlib import Path

from ingestion.raw_writer import raw_path, read_csv
from ingestion.settings import Settings
from tooling import bench_data

NO_LOOKUP = ("no_isrc", "malformed_isrc")


def minimum(folder: Path, day: str, tier: str, counted_search: int) -> dict[str, int]:
    def rows(entity: str) -> list[dict]:
        return read_csv(raw_path(folder, entity, day))

    artists = len(rows("artists"))
    albums = rows("albums")
    listed = Counter(r["tracked_artist_id"] for r in albums if r["source"] == "artist_albums")
    pages = sum(max(1, math.ceil(listed.get(r["artist_id"], 0) / 10)) for r in rows("artists"))
    full = sum(1 for r in albums if r["source"] == "album")
    if tier == "extended":
        spotify = 1 + math.ceil(artists / 50) + artists + pages + math.ceil(full / 20)
    else:
        spotify = 1 + artists + pages + counted_search + full
    looked_up = [r for r in rows("deezer_matches") if r["outcome"] not in NO_LOOKUP]
    found = rows("deezer_tracks")
    deezer = (
        len({r["isrc"] for r in looked_up})
        + len({r["deezer_artist_id"] for r in found})
        + len({r["deezer_album_id"] for r in found})
    )
    pairs = {
        (r["artist_name"], r["track_name"])
        for r in rows("lastfm_matches")
        if r["outcome"] not in NO_LOOKUP
    }
    lastfm = len(pairs) + len({a for a, _ in pairs})
    return {"spotify": spotify, "deezer": deezer, "lastfm": lastfm}


def seconds_at_limits(counts: dict[str, int], settings: Settings) -> dict[str, float]:
    return {
        "spotify": counts["spotify"] * 30 / settings.requests_per_30s,
        "deezer": counts["deezer"] * 5 / settings.deezer_requests_per_5s,
        "lastfm": counts["lastfm"] / settings.lastfm_requests_per_second,
    }


def figures(
    folder: Path, day: date, *, roster: Path | None, extra_artists: int, workers: int = 1
) -> list[str]:
    """Lines to print: per tier, the requests counted and the minimum, and their time."""
    settings = Settings.from_env()
    lines = []
    for tier in ("extended", "development"):
        where = folder if tier == "extended" else folder.with_name(f"{folder.name}-development")
        bench_data.generate(
            where, [day], roster=roster, extra_artists=extra_artists, tier=tier, workers=workers
        )
        made = bench_data.requests_per_day(where, day.isoformat())
        counted = {source: sum(endpoints.values()) for source, endpoints in made.items()}
        least = minimum(where, day.isoformat(), tier, made["spotify"].get("search", 0))
        seconds = seconds_at_limits(counted, settings)
        day_seconds = seconds["spotify"] + max(seconds["deezer"], seconds["lastfm"])
        names = {"spotify": "Spotify", "deezer": "Deezer", "lastfm": "Last.fm"}
        parts = ", ".join(
            f"{names[s]} {counted[s]:,} (minimum {least[s]:,}; {seconds[s] / 60:.1f} min)"
            for s in names
        )
        lines.append(f"  {tier:<11}  {parts}")
        lines.append(
            f"  {'':<11}  a day at the configured limits: {day_seconds / 60:.1f} min "
            "(Spotify, then the slower open source)"
        )
    lines.append(
        f"  limits: Spotify {settings.requests_per_30s}/30s, Deezer "
        f"{settings.deezer_requests_per_5s}/5s, Last.fm {settings.lastfm_requests_per_second:g}/s "
        "(SPOTIFY_REQUESTS_PER_30S, DEEZER_REQUESTS_PER_5S, LASTFM_REQUESTS_PER_SECOND)"
    )
    return lines
