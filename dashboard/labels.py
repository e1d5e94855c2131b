"""One display label per entity: charts and pickers key tracks, artists and albums by id, and
two that share a name ("Céu Azul · Charlie Brown Jr.", twice) must stay two marks with two
different names, never one mark adding them up."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

Disambiguator = tuple[str, Callable[[object], str]]


def _year(release_date: object) -> str:
    return "year unknown" if pd.isna(release_date) else str(release_date)[:4]


def _album(album_name: object) -> str:
    return "unknown album" if pd.isna(album_name) else str(album_name)


def unique_labels(
    frame: pd.DataFrame, key: str, label: str, disambiguators: Sequence[Disambiguator] = ()
) -> pd.Series:
    """`key` -> its latest `label` in `frame` (by snapshot_date when there is one), made unique:
    a label two keys share gets each disambiguator's text in turn (`(column, text)`), while
    it is still shared, and the key itself last."""
    if "snapshot_date" in frame:
        frame = frame.sort_values("snapshot_date", kind="stable")
    latest = frame.groupby(key, sort=False).last()
    labels = latest[label].astype(str)
    steps = [(c, text) for c, text in disambiguators if c in latest]
    steps.append((None, lambda value: f" (id {value})"))
    for column, text in steps:
        shared = labels.duplicated(keep=False)
        if not shared.any():
            break
        values = latest.index[shared] if column is None else latest.loc[shared, column]
        labels[shared] = labels[shared] + [text(value) for value in values]
    return labels


def track_labels(frame: pd.DataFrame) -> pd.Series:
    """track_id -> its track_label ("<track> · <artist> (via <tracked>)"), unique within
    `frame`: the album added where two tracks share a label, then the release year."""
    return unique_labels(
        frame,
        "track_id",
        "track_label",
        [
            ("album_name", lambda album: f" · from {_album(album)}"),
            ("release_date", lambda day: f", {_year(day)}"),
        ],
    )


def artist_labels(frame: pd.DataFrame) -> pd.Series:
    """artist_id -> artist_name, unique within `frame` (the id added to a shared name)."""
    return unique_labels(frame, "artist_id", "artist_name")
