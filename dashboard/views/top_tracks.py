"""Top tracks with their duration (latest snapshot)."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Top tracks")
tracks = ui.query(
    "select track_id, track_name, artist_name, album_name, popularity, popularity_rank, "
    "top_track_rank, duration_minutes, snapshot_date from top_tracks "
    "where (? or artist_name = any(?)) "
    "order by popularity desc nulls last, top_track_rank, track_name",
    ui.artist_params(filters.artist_names),
)
if tracks.empty:
    st.info("No top track matches the filter.")
    st.stop()
ui.caption_as_of(tracks["snapshot_date"].max())

use_popularity = tracks["popularity"].notna().any()
limit = st.slider("How many tracks", 5, max(5, min(50, len(tracks))), min(20, len(tracks)))
shown = tracks.head(limit).copy()
shown["label"] = shown["track_name"] + " · " + shown["artist_name"]
if use_popularity:
    st.bar_chart(
        shown,
        x="label",
        y="popularity",
        horizontal=True,
        sort="-popularity",
        x_label="Popularity (0-100)",
        y_label="",
    )
else:
    st.info(
        "**Development Mode data**: Spotify gives no track popularity, so tracks are listed "
        "by their rank in their artist's top tracks and the chart shows their duration."
    )
    st.bar_chart(
        shown,
        x="label",
        y="duration_minutes",
        horizontal=True,
        sort="-duration_minutes",
        x_label="Duration (minutes)",
        y_label="",
    )

st.dataframe(
    pd.DataFrame(
        {
            "Track": shown["track_name"],
            "Artist": shown["artist_name"],
            "Album": shown["album_name"],
            "Popularity": shown["popularity"].map(fmt.format_number),
            "Popularity rank": shown["popularity_rank"].map(fmt.format_number),
            "Top-track rank": shown["top_track_rank"].map(fmt.format_number),
            "Duration": shown["duration_minutes"].map(fmt.format_duration_minutes),
        }
    ),
    hide_index=True,
)
average = tracks["duration_minutes"].mean()
st.caption(f"Average duration of these top tracks: {fmt.format_duration_minutes(average)}")
