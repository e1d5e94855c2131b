"""Track popularity over time, and the tracks that moved (day over day and over 7 days)."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard import open_signals as signals
from dashboard.labels import track_labels

filters = ui.filters()
st.title("Popularity over time")
ui.caption_range(
    filters,
    "A track is shown with its own artist, and “via” the tracked artist whose top tracks "
    "held it when that is someone else.",
)

# One row per track of the range (what names and offers it); every day is read only for the
# tracks drawn: at 1,000 artists a year is millions of rows (ui.range_tracks).
tracks = ui.range_tracks(filters)
if tracks.empty:
    st.info("No snapshots for these artists and dates. Widen the filters in the sidebar.")
    st.stop()

# One series per track id, named by its latest label in the range (its "via" may change),
# with the album (or year) added where two tracks share a label.
labels = track_labels(tracks)
use_popularity = bool(tracks["rated"].sum())
measure = "popularity" if use_popularity else "top_track_rank"
last_day = tracks["snapshot_date"].max()
day = pd.Timestamp(last_day).date()
on_last_day = replace(filters, start=day, end=day)
latest = ui.query(
    "select track_id, popularity, top_track_rank from top_tracks where snapshot_date::date = ?"
    " and (? or artist_id = any(?) or tracked_artist_id = any(?))",
    [last_day, *ui.track_artist_params(filters)],
)
if not use_popularity and signals.has_deezer_rank(filters):
    # Development Mode: the same tracks and days, with Deezer's rank where popularity would be.
    measure = "deezer_rank"
    latest = signals.track_history(on_last_day)
if measure == "deezer_rank":
    ui.development_mode_note(
        signals.DEVELOPMENT_MODE_CAPTION + " This chart shows the Deezer rank; the "
        "Across platforms page has Last.fm too."
    )
elif not use_popularity:
    st.info(ui.DEVELOPMENT_MODE_NOTE)

latest["track_label"] = latest["track_id"].map(labels)
latest = latest.sort_values(
    [measure, "track_label"], ascending=[measure == "top_track_rank", True], na_position="last"
)
options = sorted(labels.index, key=lambda track_id: (labels[track_id], track_id))
default = list(latest["track_id"].head(5))
# The picked tracks belong to the filters they were picked under: new filters, new top 5.
picked_under = (filters.artist_ids, filters.start, filters.end)
if st.session_state.get("_popularity_tracks_filters") != picked_under:
    st.session_state.pop("popularity_tracks", None)
    st.session_state["_popularity_tracks_filters"] = picked_under
chosen = st.multiselect(
    "Tracks",
    options=options,
    default=default,
    format_func=labels.get,
    key="popularity_tracks",
)
if measure == "deezer_rank":
    shown = signals.track_history(filters, track_ids=chosen or default)
else:
    shown = ui.query(
        "select snapshot_date::date as snapshot_date, track_id, popularity, top_track_rank "
        "from top_tracks where snapshot_date::date between ? and ?"
        " and (? or artist_id = any(?) or tracked_artist_id = any(?)) and track_id = any(?) "
        "order by snapshot_date, track_id",
        [filters.start, filters.end, *ui.track_artist_params(filters), chosen or default],
    )
shown = charts.complete_days(shown, "track_id", filters.start, filters.end)
shown["track_label"] = shown["track_id"].map(labels)
# Popularity moves a few points a day: a y axis from 0 would flatten it. Rank 1 is the best,
# so the rank axis is reversed to put it on top.
st.altair_chart(
    charts.daily_lines(
        shown,
        series="track_label",
        series_title="Track",
        value=measure,
        value_title={
            "popularity": "Popularity (0-100)",
            "deezer_rank": signals.TRACK_MEASURES["deezer_rank"],
            "top_track_rank": "Top-track rank (1 = best)",
        }[measure],
        reverse=measure == "top_track_rank",
        value_format=",d" if measure == "deezer_rank" else None,
        whole=True,
    )
)
st.caption("A day without a snapshot leaves a gap in the lines.")

st.subheader("Rising and falling tracks")
label = "Popularity" if use_popularity else "Rank"


def _movers_table(frame: pd.DataFrame, start: str, end: str, change: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Track": frame["track_name"],
            "Artist": frame["artist_name"],
            "Via": frame["via_artist_name"].fillna(""),
            f"{label} then": frame[start].map(fmt.format_number),
            f"{label} now": frame[end].map(fmt.format_number),
            "Change": frame[change].map(fmt.format_change),
        }
    )


def _show_movers(frame: pd.DataFrame, change: str, start: str, end: str) -> None:
    for heading, moved in (
        (
            "Rising",
            frame[frame[change] > 0].sort_values([change, "track_name"], ascending=[False, True]),
        ),
        ("Falling", frame[frame[change] < 0].sort_values([change, "track_name"])),
    ):
        st.markdown(f"**{heading}**")
        if moved.empty:
            st.caption(f"No track is {heading.lower()}.")
        else:
            ui.show_table(_movers_table(moved.head(10), start, end, change))


day_tab, week_tab = st.tabs(["Day over day", "Over 7 days"])
with day_tab:
    daily = ui.query(
        "select track_name, artist_name, via_artist_name, popularity, top_track_rank, "
        "popularity - popularity_change as popularity_before, "
        "top_track_rank + top_track_rank_change as rank_before, "
        "popularity_change, top_track_rank_change "
        "from top_tracks where snapshot_date::date = ?"
        " and (? or artist_id = any(?) or tracked_artist_id = any(?))",
        [last_day, *ui.track_artist_params(filters)],
    )
    st.caption(
        f"{label} on {fmt.format_date(last_day)} against the day before "
        "(tracks with a snapshot on both days; mart `top_tracks`)."
    )
    day_before = pd.Timestamp(last_day) - pd.Timedelta(days=1)
    if ui.window_inside(day_before, last_day, filters, "The day-over-day change"):
        if use_popularity:
            _show_movers(daily, "popularity_change", "popularity_before", "popularity")
        else:
            _show_movers(daily, "top_track_rank_change", "rank_before", "top_track_rank")
with week_tab:
    weekly = ui.query(
        "select track_name, artist_name, via_artist_name, popularity_start, popularity_end, "
        "popularity_change, rank_start, rank_end, rank_change, window_start_date::date as since "
        "from track_movers_7d where window_end_date::date = ?"
        " and (? or artist_id = any(?) or tracked_artist_id = any(?))",
        [last_day, *ui.track_artist_params(filters)],
    )
    if weekly.empty:
        st.info(
            f"No 7-day window ends on {fmt.format_date(last_day)}: it needs an earlier snapshot "
            "within the 7 days before."
        )
    elif ui.window_inside(weekly["since"].iloc[0], last_day, filters, "The 7-day window"):
        st.caption(
            f"{label} on {fmt.format_date(weekly['since'].iloc[0])} against "
            f"{fmt.format_date(last_day)} (mart `track_movers_7d`; tracks on both days)."
        )
        if use_popularity:
            _show_movers(weekly, "popularity_change", "popularity_start", "popularity_end")
        else:
            _show_movers(weekly, "rank_change", "rank_start", "rank_end")
