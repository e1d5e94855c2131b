"""One row per tracked artist: catalogue shape, release span, track popularity."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Artist insights")
insights = ui.query(
    "select artist_id, artist_name, popularity, followers, avg_tracks_per_album, "
    "first_release_date, latest_release_date, avg_track_popularity, "
    "avg_track_duration_minutes, explicit_track_share, top_track_name, top_track_album_name "
    "from artist_insights where (? or artist_id = any(?)) "
    "order by popularity desc nulls last, artist_name",
    ui.artist_params(filters.artist_ids),
)
if insights.empty:
    st.info("No tracked artist matches the filter.")
    st.stop()
if insights["popularity"].isna().all():
    st.info(
        "**Development Mode data**: popularity and followers are not available; the other "
        "columns are."
    )

st.dataframe(
    pd.DataFrame(
        {
            "Artist": insights["artist_name"],
            "Popularity": insights["popularity"].map(fmt.format_number),
            "Followers": insights["followers"].map(fmt.format_count),
            "Tracks per album": insights["avg_tracks_per_album"].map(
                lambda v: fmt.format_number(v, 1)
            ),
            "First release": insights["first_release_date"].map(fmt.format_date),
            "Latest release": insights["latest_release_date"].map(fmt.format_date),
            "Avg track popularity": insights["avg_track_popularity"].map(fmt.format_number),
            "Avg track length": insights["avg_track_duration_minutes"].map(
                fmt.format_duration_minutes
            ),
            "Explicit": insights["explicit_track_share"].map(fmt.format_percent),
            "Top track": insights["top_track_name"],
            "Its album": insights["top_track_album_name"],
        }
    ),
    hide_index=True,
)
