"""Rows of the raw CSV files (docs/interfaces.md section 3), built from fetched API objects.

Each row keeps the complete object as compact JSON next to the keys the warehouse joins on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ingestion.raw_writer import compact_json
from ingestion.run_context import Run


def provenance(run: Run) -> dict[str, str]:
    """Where a row comes from: `sandbox` or `spotify`, and the access tier."""
    return {"data_source": run.mode, "access_tier": run.tier.value or "unknown"}


def artist_rows(run: Run, artists: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "snapshot_date": run.snapshot.isoformat(),
            "extracted_at": run.extracted_at,
            "artist_id": artist_id,
            "artist_name": obj["name"],
            "artist_json": compact_json(obj),
            **provenance(run),
        }
        for artist_id, obj in sorted(artists.items())
    ]


def top_track_rows(run: Run, top: dict[str, tuple[str, list]]) -> list[dict[str, Any]]:
    rows = []
    for artist_id, (source, tracks) in sorted(top.items()):
        for rank, track in enumerate(tracks, start=1):
            rows.append(
                {
                    "snapshot_date": run.snapshot.isoformat(),
                    "extracted_at": run.extracted_at,
                    "tracked_artist_id": artist_id,
                    "rank": rank,
                    "track_id": track["id"],
                    "track_name": track["name"],
                    "source": source,
                    "track_json": compact_json(track),
                    **provenance(run),
                }
            )
    return rows


def playlist_track_rows(
    run: Run, by_playlist: dict[str, list[tuple[int, str | None, dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """One row per track of a playlist: (playlist id, position) is the key; `position` is the
    item's 1-based place in the playlist (items that are not tracks leave gaps)."""
    return [
        {
            "snapshot_date": run.snapshot.isoformat(),
            "extracted_at": run.extracted_at,
            "playlist_id": playlist_id,
            "position": position,
            "track_id": track["id"],
            "track_name": track["name"],
            "added_at": added_at,
            "track_json": compact_json(track),
            **provenance(run),
        }
        for playlist_id, items in sorted(by_playlist.items())
        for position, added_at, track in items
    ]


def album_rows(
    run: Run, by_artist: dict[str, list[dict[str, Any]]], full: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    keyed: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(obj: dict[str, Any], tracked: str, source: str) -> None:
        # One row per album and (tracked artist, source); the first listing wins.
        keyed.setdefault(
            (obj["id"], tracked, source),
            {
                "snapshot_date": run.snapshot.isoformat(),
                "extracted_at": run.extracted_at,
                "album_id": obj["id"],
                "album_name": obj["name"],
                "tracked_artist_id": tracked,
                "source": source,
                "album_json": compact_json(obj),
                **provenance(run),
            },
        )

    for artist_id, albums in by_artist.items():
        for obj in albums:
            add(obj, artist_id, "artist_albums")
    for obj in full.values():
        add(obj, "", "album")
    return [keyed[key] for key in sorted(keyed)]


def top_track_album_ids(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Album ids of the tracks of top-track or playlist-track rows (in memory or read back
    from the CSV)."""
    ids = []
    for row in rows:
        track = row["track_json"]
        track = json.loads(track) if isinstance(track, str) else track
        album_id = (track.get("album") or {}).get("id")
        if album_id:
            ids.append(album_id)
    return sorted(set(ids))
