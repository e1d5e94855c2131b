"""Top tracks by the release month of their album, on one snapshot day."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("By release month")
day = ui.latest_date("popularity_by_release_month", filters)
if day is None:
    st.info("No snapshot in the chosen dates. Widen the dates in the sidebar.")
    st.stop()
ui.caption_snapshot(
    day,
    filters,
    "Top tracks grouped by their album's release month (mart `popularity_by_release_month`; "
    "a track counts for the tracked artist whose top tracks held it).",
)
# The mart is additive by tracked artist: the chosen artists' months are summed here.
trend = ui.query(
    "select release_year, release_month, sum(track_count) as track_count, "
    "round(sum(popularity_sum) / nullif(sum(rated_track_count), 0), 1) as avg_popularity "
    "from popularity_by_release_month "
    "where snapshot_date::date = ? and (? or tracked_artist_id = any(?)) "
    "group by release_year, release_month order by release_year, release_month",
    [day, *ui.artist_params(filters.artist_ids)],
)
if trend.empty:
    st.info("No release dates for this selection.")
    st.stop()

# A release known to the year only is drawn mid-year, and said so in the tooltip.
trend["release"] = pd.to_datetime(
    {
        "year": trend["release_year"].astype(int),
        "month": trend["release_month"].fillna(7).astype(int),
        "day": 1,
    }
)
trend["precision"] = trend["release_month"].map(lambda m: "year only" if pd.isna(m) else "month")
tooltip = [
    alt.Tooltip("release:T", title="Released", format="%b %Y"),
    alt.Tooltip("precision:N", title="Date known to"),
    alt.Tooltip("track_count:Q", title="Tracks"),
    alt.Tooltip("avg_popularity:Q", title="Average popularity"),
]
use_popularity = trend["avg_popularity"].notna().any()
# Points, not a line: release months are sparse (decades apart), and a line would invent
# the months between them.
if use_popularity:
    st.markdown("**Average popularity of the top tracks released each month**")
    st.altair_chart(
        alt.Chart(trend)
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X("release:T", title="Album release month"),
            y=alt.Y("avg_popularity:Q", title="Average track popularity (0-100)")
            .scale(zero=False)
            .axis(format=",~r"),
            size=alt.Size("track_count:Q", title="Tracks").legend(orient="right"),
            tooltip=tooltip,
        )
        .properties(height=320)
    )
else:
    ui.development_mode_note("So only the number of top tracks per release month is shown.")
st.markdown("**Top tracks per release month**")
st.altair_chart(
    alt.Chart(trend)
    .mark_bar(size=4)
    .encode(
        x=alt.X("release:T", title="Album release month"),
        y=alt.Y("track_count:Q", title="Top tracks").axis(format="d", tickMinStep=1),
        tooltip=tooltip,
    )
    .properties(height=220)
)

by_year = ui.query(
    "select release_year, sum(track_count) as track_count, "
    "round(sum(popularity_sum) / nullif(sum(rated_track_count), 0), 1) as avg_popularity "
    "from popularity_by_release_month "
    "where snapshot_date::date = ? and (? or tracked_artist_id = any(?)) "
    "group by release_year order by release_year",
    [day, *ui.artist_params(filters.artist_ids)],
)
ui.show_table(
    pd.DataFrame(
        {
            "Release year": by_year["release_year"].astype(int).astype(str),
            "Top tracks": by_year["track_count"].map(fmt.format_number),
            "Average popularity": by_year["avg_popularity"].map(lambda v: fmt.format_number(v, 1)),
        }
    )
)
