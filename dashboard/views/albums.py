"""Albums against their tracks: is an album as popular as its tracked tracks?"""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Albums vs their tracks")
albums = ui.query(
    "select album_id, album_name, artist_name, album_popularity, avg_track_popularity, "
    "max_track_popularity, tracked_track_count, popularity_gap "
    "from album_vs_track_popularity where (? or artist_name = any(?)) "
    "order by popularity_gap desc nulls last, tracked_track_count desc, album_name",
    ui.artist_params(filters.artist_names),
)
if albums.empty:
    st.info("No album matches the filter.")
    st.stop()

use_popularity = albums["album_popularity"].notna().any()
if use_popularity:
    st.caption(
        "Each point is an album: its own popularity against the average popularity of its "
        "tracked top tracks. Above the diagonal, the album is more popular than its tracks."
    )
    st.scatter_chart(
        albums,
        x="avg_track_popularity",
        y="album_popularity",
        color="artist_name",
        size="tracked_track_count",
        x_label="Average popularity of its tracked tracks",
        y_label="Album popularity",
    )
else:
    st.info(
        "**Development Mode data**: Spotify gives no album or track popularity, so the "
        "albums are compared by how many of their tracks are among the tracked top tracks."
    )
    albums["label"] = albums["album_name"] + " · " + albums["artist_name"]
    st.bar_chart(
        albums.head(25),
        x="label",
        y="tracked_track_count",
        horizontal=True,
        sort="-tracked_track_count",
        x_label="Tracked top tracks",
        y_label="",
    )

st.dataframe(
    pd.DataFrame(
        {
            "Album": albums["album_name"],
            "Artist": albums["artist_name"],
            "Album popularity": albums["album_popularity"].map(fmt.format_number),
            "Avg track popularity": albums["avg_track_popularity"].map(fmt.format_number),
            "Best track popularity": albums["max_track_popularity"].map(fmt.format_number),
            "Tracked tracks": albums["tracked_track_count"].map(fmt.format_number),
            "Gap": albums["popularity_gap"].map(fmt.format_change),
        }
    ),
    hide_index=True,
)
