"""Popularity over time: chosen artists and tracks, and the tracks rising and falling."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Popularity over time")
if filters.start is None:
    ui.missing_model("fact_track_popularity")
    st.stop()
st.caption(f"{fmt.format_date(filters.start)} to {fmt.format_date(filters.end)}")

history = ui.query(
    "select f.snapshot_date::date as snapshot_date, f.track_id, f.tracked_artist_id, "
    "f.popularity, f.top_track_rank, "
    "coalesce(t.track_name, f.track_id) as track_name, "
    "coalesce(a.artist_name, f.tracked_artist_id) as artist_name "
    "from fact_track_popularity f "
    "left join (select track_id, arg_max(track_name, valid_to is null) as track_name "
    "from dim_track group by track_id) t using (track_id) "
    "left join (select artist_id, arg_max(artist_name, valid_to is null) as artist_name "
    "from dim_artist group by artist_id) a on a.artist_id = f.tracked_artist_id "
    "where f.snapshot_date::date between ? and ? "
    "and (? or f.tracked_artist_id = any(?)) "
    "order by f.snapshot_date, f.track_id",
    [filters.start, filters.end, *ui.artist_params(filters.artist_ids)],
)
if history.empty:
    st.info("No snapshots for these artists and dates. Widen the filters in the sidebar.")
    st.stop()

history["track"] = history["track_name"] + " · " + history["artist_name"]
use_popularity = history["popularity"].notna().any()
measure = "popularity" if use_popularity else "top_track_rank"
if not use_popularity:
    st.info(ui.DEVELOPMENT_MODE_NOTE)

last_day = history["snapshot_date"].max()
latest = history[history["snapshot_date"] == last_day]
latest = latest.sort_values(measure, ascending=not use_popularity)
options = list(dict.fromkeys(history.sort_values("track")["track"]))
default = [t for t in latest["track"].head(5) if t in options]
chosen = st.multiselect("Tracks", options=options, default=default, key="popularity_tracks")
shown = (
    history[history["track"].isin(chosen)] if chosen else history[history["track"].isin(default)]
)
# Popularity moves a few points a day: a y axis from 0 would flatten it. Rank 1 is the best,
# so the rank axis is reversed to put it on top.
y_axis = (
    alt.Y("popularity:Q", title="Popularity (0-100)").scale(zero=False)
    if use_popularity
    else alt.Y("top_track_rank:Q", title="Top-track rank (1 = best)").scale(reverse=True)
)
chart = (
    alt.Chart(shown)
    .mark_line(point=True)
    .encode(
        x=alt.X("snapshot_date:T", title="Snapshot").axis(format="%d %b", tickCount="day"),
        y=y_axis,
        color=alt.Color("track:N", title="Track").legend(orient="bottom", columns=3),
        tooltip=["track", alt.Tooltip("snapshot_date:T", format="%d %b %Y"), measure],
    )
)
st.altair_chart(chart)

st.subheader("Rising and falling")
first_day = history["snapshot_date"].min()
if first_day == last_day:
    st.info("One snapshot in this range: rising and falling need at least two days.")
    st.stop()
start = history[history["snapshot_date"] == first_day].set_index("track_id")
end = history[history["snapshot_date"] == last_day].set_index("track_id")
moves = end[["track_name", "artist_name"]].copy()
moves["start"] = start[measure]
moves["end"] = end[measure]
moves = moves.dropna(subset=["start", "end"])
# A lower rank is better, so a rank that falls in number is a track that rises.
moves["change"] = moves["end"] - moves["start"] if use_popularity else moves["start"] - moves["end"]
label = "Popularity" if use_popularity else "Rank"
st.caption(
    f"{label} on {fmt.format_date(first_day)} against {fmt.format_date(last_day)}, "
    "tracks present on both days."
)


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Track": frame["track_name"],
            "Artist": frame["artist_name"],
            f"{label} then": frame["start"].map(fmt.format_number),
            f"{label} now": frame["end"].map(fmt.format_number),
            "Change": frame["change"].map(fmt.format_change),
        }
    )


rising = moves[moves["change"] > 0].sort_values("change", ascending=False).head(10)
falling = moves[moves["change"] < 0].sort_values("change").head(10)
for heading, moved in (("Rising", rising), ("Falling", falling)):
    st.markdown(f"**{heading}**")
    if moved.empty:
        st.caption(f"No track is {heading.lower()}.")
    else:
        st.dataframe(_table(moved), hide_index=True)
