"""One display label per track: charts and pickers key tracks by id, and two tracks that share a
name ("Céu Azul · Charlie Brown Jr.", twice) must stay two marks with two different names."""

from __future__ import annotations

import pandas as pd


def _year(release_date) -> str:
    return "" if pd.isna(release_date) else str(release_date)[:4]


def track_labels(frame: pd.DataFrame) -> pd.Series:
    """track_id -> a label unique within `frame`: the track's latest `track_label`, and for a
    label two tracks share, the album, then the release year, then the track id.

    `frame` has track_id and track_label, optionally snapshot_date (the latest label wins),
    album_name and release_date.
    """
    if "snapshot_date" in frame:
        frame = frame.sort_values("snapshot_date", kind="stable")
    latest = frame.groupby("track_id", sort=False).last()
    labels = latest["track_label"].astype(str)
    for column, part in (
        ("album_name", lambda row: str(row.get("album_name") or "unknown album")),
        ("release_date", lambda row: _year(row.get("release_date")) or "year unknown"),
        (None, lambda row: f"id {row.name}"),
    ):
        shared = labels.duplicated(keep=False)
        if not shared.any():
            break
        if column is not None and column not in latest:
            continue
        extra = latest[shared].apply(part, axis=1)
        if column == "album_name":
            labels[shared] = labels[shared] + " · from " + extra
        else:
            labels[shared] = labels[shared] + ", " + extra
    return labels
