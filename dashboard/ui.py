"""Streamlit helpers every page shares: the marts, the filters, cached queries, notices."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data

DEVELOPMENT_MODE_NOTE = (
    "**Development Mode data**: Spotify gives a Development Mode app no popularity "
    "(nor follower counts), so this chart shows the **top-track rank** instead "
    "(1 = the artist's most played track)."
)
# Tables up to this many rows are shown whole (no inner scroll); longer ones scroll.
FULL_TABLE_ROWS = 60
# Text column widths (px): about 8 px a character in Streamlit's table font, plus padding;
# names longer than MAX_COLUMN_PX wide are cut there (the cell shows them whole on hover).
CHAR_PX = 8
COLUMN_PADDING_PX = 28
MIN_COLUMN_PX = 60
MAX_COLUMN_PX = 420


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices. No artist chosen means every tracked artist."""

    artist_ids: tuple[str, ...]
    artist_names: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None

    @property
    def any_artist(self) -> bool:
        return not self.artist_ids


def marts() -> data.Marts:
    """The marts folder as it is now (cheap: a directory listing and one small JSON file)."""
    return data.discover()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(
    fingerprint: tuple, directory: str, sql: str, params: tuple, _marts: data.Marts
) -> pd.DataFrame:
    return data.query(_marts, sql, params)


def query(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """A parameterised query over the current marts, cached until the next export."""
    current = st.session_state.get("_marts") or marts()
    return _cached_query(
        current.fingerprint, str(current.directory), sql, tuple(params), current
    ).copy()


def current_marts() -> data.Marts:
    return st.session_state.get("_marts") or marts()


def has_popularity() -> bool:
    """False on Development Mode data, where every popularity is NULL."""
    frame = query("select count(popularity) as n from top_tracks")
    return bool(frame["n"].iloc[0])


def artist_options() -> pd.DataFrame:
    """Tracked artists: artist_id, artist_name, sorted by name."""
    return query(
        "select artist_id, arg_max(artist_name, snapshot_date) as artist_name "
        "from top_artists group by artist_id order by artist_name, artist_id"
    )


def snapshot_range() -> tuple[dt.date | None, dt.date | None]:
    frame = query(
        "select min(snapshot_date)::date as first, max(snapshot_date)::date as last from top_tracks"
    )
    first, last = frame["first"].iloc[0], frame["last"].iloc[0]
    if pd.isna(first):
        return None, None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


# A stretch without snapshots longer than this is pointed out under the date filter.
LONG_GAP_DAYS = 31


def snapshot_days() -> list[dt.date]:
    frame = query("select distinct snapshot_date::date as day from top_tracks order by 1")
    return [pd.Timestamp(day).date() for day in frame["day"]]


def gap_hint(days: Sequence[dt.date]) -> None:
    """Under the date filter: how many days there are, and the longest stretch without any
    when it is long (a lone day from another year makes every default range span years)."""
    if not days:
        return
    gaps = [(later - earlier).days - 1 for earlier, later in itertools.pairwise(days)]
    note = f"{len(days)} snapshot days, {_d(days[0])} to {_d(days[-1])}."
    if gaps and max(gaps) > LONG_GAP_DAYS:
        at = gaps.index(max(gaps))
        note += (
            f" None from {_d(days[at] + dt.timedelta(days=1))} to "
            f"{_d(days[at + 1] - dt.timedelta(days=1))} ({max(gaps):,} days): start the range "
            f"on {_d(days[at + 1])} to leave the {at + 1} earlier day(s) out."
        )
    st.caption(note)


def sidebar_filters() -> Filters:
    """Draw the artist and date-range filters; remember them for the pages."""
    artists = artist_options()
    names = dict(zip(artists["artist_id"], artists["artist_name"], strict=True))
    first, last = snapshot_range()
    with st.sidebar:
        st.header("Filters")
        chosen = st.multiselect(
            "Artists",
            options=list(names),
            format_func=lambda artist_id: names.get(artist_id, artist_id),
            key="filter_artists",
            placeholder="All tracked artists",
        )
        start, end = first, last
        if first is not None:
            picked = st.date_input(
                "Snapshot dates",
                value=(first, last),
                min_value=first,
                max_value=last,
                key="filter_dates",
                format="YYYY-MM-DD",
            )
            if isinstance(picked, Sequence) and len(picked) == 2:
                start, end = picked
            elif isinstance(picked, Sequence) and len(picked) == 1:
                start = end = picked[0]
            gap_hint(snapshot_days())
    filters = Filters(
        artist_ids=tuple(chosen),
        artist_names=tuple(names[a] for a in chosen if a in names),
        start=start,
        end=end,
    )
    st.session_state["_filters"] = filters
    return filters


def filters() -> Filters:
    return st.session_state.get("_filters") or Filters((), (), None, None)


def describe_artists(current: Filters) -> str:
    if current.any_artist:
        return "all tracked artists"
    return ", ".join(current.artist_names)


def latest_date(model: str, current: Filters, column: str = "snapshot_date") -> dt.date | None:
    """The latest date of `model` within the chosen range (None when it has none).

    `model` and `column` are names from the page's code, never from a user.
    """
    frame = query(
        f"select max({column})::date as day from {model} "  # noqa: S608
        f"where {column}::date between ? and ?",
        [current.start, current.end],
    )
    day = frame["day"].iloc[0]
    return None if pd.isna(day) else pd.Timestamp(day).date()


def caption_snapshot(day: dt.date, current: Filters, note: str = "") -> None:
    """What a one-day page shows: the day (the last of the chosen range) and the artists."""
    last = (
        ""
        if day == current.end
        else f" (the latest in the chosen range, which ends {_d(current.end)})"
    )
    st.caption(f"Snapshot of **{_d(day)}**{last} · {describe_artists(current)}. {note}".strip())


def caption_range(current: Filters, note: str = "") -> None:
    """What a range page shows: the chosen dates and the artists."""
    st.caption(
        f"From **{_d(current.start)}** to **{_d(current.end)}** · "
        f"{describe_artists(current)}. {note}".strip()
    )


def window_inside(since: Any, until: Any, current: Filters, what: str) -> bool:
    """True when a comparison from `since` to `until` lies inside the chosen dates; otherwise
    say which day it would need, and return False (the page then shows no table)."""
    if current.start is None or pd.isna(since) or pd.Timestamp(since).date() >= current.start:
        return True
    st.info(
        f"{what} compares {_d(until)} with {_d(since)}, before the chosen start date "
        f"({_d(current.start)}). Move the start to {_d(since)} or earlier to see it."
    )
    return False


def _d(day: Any) -> str:
    from dashboard.formatting import format_date

    return format_date(day)


def text_widths(frame: pd.DataFrame) -> dict[str, Any]:
    """A width per text column wide enough for its longest value: left to itself the table
    cuts names ("Johnny Cas", "Charlie Brow") to fit every column on the screen."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        if frame[column].dtype != object and not pd.api.types.is_string_dtype(frame[column]):
            continue
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column].dropna())])
        width = min(MAX_COLUMN_PX, max(MIN_COLUMN_PX, CHAR_PX * longest + COLUMN_PADDING_PX))
        config[column] = st.column_config.TextColumn(width=width)
    return config


def show_table(frame: pd.DataFrame, **kwargs: Any) -> None:
    """A table showing every row of a small result (no inner scroll hiding row 11), its text
    columns wide enough for their longest value (up to MAX_COLUMN_PX)."""
    height = "content" if len(frame) <= FULL_TABLE_ROWS else 640
    column_config = {**text_widths(frame), **kwargs.pop("column_config", {})}
    st.dataframe(frame, hide_index=True, height=height, column_config=column_config, **kwargs)


def track_artist_params(current: Filters) -> list[Any]:
    """The three parameters of `(? or artist_id = any(?) or tracked_artist_id = any(?))`: a
    track matches the chosen artists when it is theirs or one of their top tracks ("via")."""
    return [current.any_artist, list(current.artist_ids), list(current.artist_ids)]


def range_tracks(current: Filters) -> pd.DataFrame:
    """One row per top track of the chosen dates and artists: its latest label, album and
    release date (what names it: dashboard.labels), its last day, and how many of its days
    have a popularity. A page offers and names every track from this, and reads the days of
    the ones it draws only: a year of 1,000 artists is millions of (track, day) rows."""
    return query(
        "select track_id, max(snapshot_date)::date as snapshot_date, "
        "arg_max(track_label, snapshot_date) filter (track_label is not null) as track_label, "
        "arg_max(album_name, snapshot_date) filter (album_name is not null) as album_name, "
        "arg_max(release_date, snapshot_date) filter (release_date is not null) "
        "as release_date, count(popularity) as rated from top_tracks "
        "where snapshot_date::date between ? and ?"
        " and (? or artist_id = any(?) or tracked_artist_id = any(?)) group by track_id",
        [current.start, current.end, *track_artist_params(current)],
    )


def build_count_metrics(counts: dict[str, dict[str, int]]) -> None:
    """A build's models, snapshots, data tests and unit tests, one metric each: named and
    counted the same way on every page (`dashboard.health.count_texts`)."""
    from dashboard.health import count_texts

    texts = count_texts(counts)
    for column, (label, text) in zip(st.columns(max(1, len(texts))), texts.items(), strict=False):
        column.metric(label, text)


def development_mode_note(what: str) -> None:
    """Say, on a page that needs popularity, why it is missing and what is shown instead."""
    st.info(
        "**Development Mode data**: since February 2026 Spotify gives a Development Mode app "
        f"no popularity and no follower counts. {what}",
        icon=":material/info:",
    )


def artist_params(chosen: Sequence[str]) -> list[Any]:
    """The two parameters of `(? or <column> = any(?))`: no artist chosen matches every row."""
    return [not chosen, list(chosen)]


def empty_state(current: data.Marts) -> None:
    """The friendly page for an empty or missing warehouse export."""
    st.title("No data yet")
    st.info(
        "The dashboard shows the marts the pipeline exports after each successful `dbt build`, "
        "and there are none yet. Run `make run` first (it extracts a day from the Spotify "
        "sandbox, builds the warehouse and exports the marts), then reload this page.",
        icon=":material/hourglass_empty:",
    )
    st.markdown(f"Looking in `{current.directory}`.")
    if current.models:
        st.caption("Missing: " + ", ".join(f"`{m}.parquet`" for m in current.missing_required))


def unreadable_marts(current: data.Marts, error: Exception) -> None:
    st.title("The exported marts cannot be read")
    st.error(
        "This page could not read the marts in "
        f"`{current.directory}`: they do not have the columns it expects "
        "(docs/interfaces.md, section 5). Run `make run` to rebuild and export them again.",
        icon=":material/error:",
    )
    with st.expander("Details"):
        st.code(str(error).strip(), language=None)
