"""Top artists and their share of the tracked top tracks (latest snapshot)."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Top artists")
artists = ui.query(
    "select artist_id, artist_name, popularity, followers, popularity_rank, "
    "tracked_track_count, share_of_tracked_tracks, snapshot_date from top_artists "
    "where (? or artist_id = any(?)) "
    "order by popularity_rank nulls last, tracked_track_count desc, artist_name",
    ui.artist_params(filters.artist_ids),
)
if artists.empty:
    st.info("No tracked artist matches the filter.")
    st.stop()
ui.caption_as_of(artists["snapshot_date"].max())

use_popularity = artists["popularity"].notna().any()
left, right = st.columns(2)
with left:
    if use_popularity:
        st.markdown("**Artist popularity** (0-100)")
        st.bar_chart(
            artists,
            x="artist_name",
            y="popularity",
            horizontal=True,
            sort="-popularity",
            x_label="Popularity",
            y_label="",
        )
    else:
        st.markdown("**Artist rank**")
        st.info(
            "**Development Mode data**: Spotify gives no artist popularity or followers, "
            "so artists are ranked by how many of their tracks are tracked."
        )
        st.bar_chart(
            artists,
            x="artist_name",
            y="tracked_track_count",
            horizontal=True,
            sort="-tracked_track_count",
            x_label="Tracked tracks",
            y_label="",
        )
with right:
    st.markdown("**Share of the tracked top tracks**")
    share = artists.assign(share_percent=artists["share_of_tracked_tracks"] * 100)
    st.bar_chart(
        share,
        x="artist_name",
        y="share_percent",
        horizontal=True,
        sort="-share_percent",
        x_label="Share of tracked tracks (%)",
        y_label="",
    )

st.dataframe(
    pd.DataFrame(
        {
            "Rank": artists["popularity_rank"].map(fmt.format_number),
            "Artist": artists["artist_name"],
            "Popularity": artists["popularity"].map(fmt.format_number),
            "Followers": artists["followers"].map(fmt.format_count),
            "Tracked tracks": artists["tracked_track_count"].map(fmt.format_number),
            "Share": artists["share_of_tracked_tracks"].map(lambda v: fmt.format_percent(v, 1)),
        }
    ),
    hide_index=True,
)
