"""Open popularity signals (Deezer, Last.fm) per track and per artist and day, for the
"Across platforms" page and for the pages a Development Mode app would leave without
popularity (marts `fact_track_open_signals`, `fact_artist_open_signals`)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard import charts, ui
from dashboard import formatting as fmt

TRACK_FACTS = "fact_track_open_signals"
ARTIST_FACTS = "fact_artist_open_signals"
# column -> its axis title. Every measure is a whole number (a rank, a count).
TRACK_MEASURES = {
    "popularity": "Spotify popularity (0-100)",
    "deezer_rank": "Deezer rank (0-1,000,000, higher = more streams)",
    "lastfm_listeners": "Last.fm listeners",
    "lastfm_plays": "Last.fm plays per day",
}
ARTIST_MEASURES = {
    "popularity": "Spotify popularity (0-100)",
    "deezer_fans": "Deezer fans",
    "lastfm_listeners": "Last.fm listeners",
    "lastfm_plays": "Last.fm plays per day",
}
DEVELOPMENT_MODE_CAPTION = (
    "Shown instead: the open signals matched by ISRC, which every app gets: Deezer's rank "
    "(recomputed daily from streams) and Last.fm's plays per day (the change of its "
    "cumulative playcount)."
)


def available(model: str) -> bool:
    return ui.current_marts().has(model)


def has_deezer_rank(current: ui.Filters) -> bool:
    """Whether Deezer ranked any track in the chosen dates (Development Mode data shows it
    where popularity would be)."""
    if not available(TRACK_FACTS):
        return False
    return bool(
        ui.query(
            "select count(deezer_rank) as n from fact_track_open_signals "
            "where snapshot_date between ? and ?",
            [current.start, current.end],
        )["n"].iloc[0]
    )


def track_history(current: ui.Filters, track_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The tracked artists' top tracks per day in the chosen dates and artists (only
    `track_ids`, when given), with Spotify's popularity and the track's open signals that day
    (NULL where no source matched it)."""
    return ui.query(
        "select t.snapshot_date::date as snapshot_date, t.track_id, t.track_label, "
        "t.album_name, t.release_date, t.popularity, t.top_track_rank, o.deezer_rank, "
        "o.lastfm_listeners, "
        "o.lastfm_plays from top_tracks t "
        # Both sides filtered: a year of 1,000 artists is millions of rows in each file.
        "left join (select * from fact_track_open_signals where snapshot_date between ? and ? "
        "and (? or track_id = any(?))) o "
        "on o.track_id = t.track_id and o.snapshot_date = t.snapshot_date::date "
        "where t.snapshot_date::date between ? and ? "
        "and (? or t.artist_id = any(?) or t.tracked_artist_id = any(?)) "
        "and (? or t.track_id = any(?)) "
        "order by snapshot_date, t.track_id",
        [
            current.start,
            current.end,
            track_ids is None,
            list(track_ids or []),
            current.start,
            current.end,
            *ui.track_artist_params(current),
            track_ids is None,
            list(track_ids or []),
        ],
    )


def artist_history(current: ui.Filters) -> pd.DataFrame:
    """The tracked artists per day in the chosen dates and artists, with Spotify's popularity
    and the artist's open signals that day (NULL where no source matched them)."""
    return ui.query(
        "select a.snapshot_date::date as snapshot_date, a.artist_id, a.artist_name, "
        "a.popularity, o.deezer_fans, o.lastfm_listeners, o.lastfm_plays from top_artists a "
        "left join (select * from fact_artist_open_signals where snapshot_date between ? and ? "
        "and (? or artist_id = any(?))) o "
        "on o.artist_id = a.artist_id and o.snapshot_date = a.snapshot_date::date "
        "where a.snapshot_date::date between ? and ? and (? or a.artist_id = any(?)) "
        "order by snapshot_date, a.artist_id",
        [
            current.start,
            current.end,
            *ui.artist_params(current.artist_ids),
            current.start,
            current.end,
            *ui.artist_params(current.artist_ids),
        ],
    )


def top_of(
    frame: pd.DataFrame, *, key: str, measure: str, title: str, what: str
) -> tuple[pd.DataFrame, str | None]:
    """The rows of at most `charts.DISTINCT_COLOURS` series (the highest `measure` on the last
    day), and the rule as a sentence for the page when some were left out."""
    total = frame[key].nunique()
    if total <= charts.DISTINCT_COLOURS:
        return frame, None
    kept = charts.top_series(frame, key, measure)
    last = pd.Timestamp(frame["snapshot_date"].max()).date()
    note = (
        f"The chart shows the {len(kept)} {what} of {total:,} with the highest "
        f"{title[0].lower() + title[1:]} on {fmt.format_date(last)}: choose artists in the "
        "sidebar to see others."
    )
    return frame[frame[key].isin(kept)], note


def lines(
    frame: pd.DataFrame,
    *,
    key: str,
    labels: pd.Series,
    measure: str,
    title: str,
    series_title: str,
    current: ui.Filters,
) -> alt.Chart:
    """One line per entity id (named by `labels`) over every day of the chosen range."""
    shown = charts.complete_days(
        frame[[key, "snapshot_date", measure]], key, current.start, current.end
    )
    shown["label"] = shown[key].map(labels)
    return charts.daily_lines(
        shown,
        series="label",
        series_title=series_title,
        value=measure,
        value_title=title,
        value_format=",d",
        whole=True,
    )
