"""Tracked artists on one snapshot day, in three sections: audience, discography, top tracks."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Artist insights")
day = ui.latest_date("artist_insights", filters)
if day is None:
    st.info("No snapshot in the chosen dates. Widen the dates in the sidebar.")
    st.stop()
ui.caption_snapshot(day, filters)
insights = ui.query(
    "select artist_id, artist_name, popularity, followers, album_count, avg_tracks_per_album, "
    "first_release_date, latest_release_date, top_track_count, avg_track_popularity, "
    "avg_track_duration_minutes, explicit_track_share, top_track_name, top_track_album_name, "
    "top_track_artist_name "
    "from artist_insights where snapshot_date::date = ? and (? or artist_id = any(?)) "
    "order by popularity desc nulls last, followers desc nulls last, artist_name",
    [day, *ui.artist_params(filters.artist_ids)],
)
if insights.empty:
    st.info("No tracked artist matches the filter on this day.")
    st.stop()
if insights["popularity"].isna().all():
    ui.development_mode_note(
        "So the Audience section and the average track popularity are empty (—); the other "
        "columns are filled."
    )


def number_one(track: str | None, owner: str | None, artist: str) -> str:
    """The track's name, and whose it is when it is not the artist's own (a feature)."""
    if pd.isna(track):
        return fmt.MISSING
    return track if pd.isna(owner) or owner == artist else f"{track} (by {owner})"


artist = insights["artist_name"]
st.subheader("Audience")
ui.show_table(
    pd.DataFrame(
        {
            "Artist": artist,
            "Popularity": insights["popularity"].map(fmt.format_number),
            "Followers": insights["followers"].map(fmt.format_count),
        }
    )
)
st.subheader("Discography")
st.caption("The albums, singles and compilations Spotify listed for the artist that day.")
ui.show_table(
    pd.DataFrame(
        {
            "Artist": artist,
            "Releases": insights["album_count"].map(fmt.format_number),
            "Tracks per release": insights["avg_tracks_per_album"].map(
                lambda v: fmt.format_number(v, 1)
            ),
            "First release": insights["first_release_date"].map(fmt.format_date),
            "Latest release": insights["latest_release_date"].map(fmt.format_date),
        }
    )
)
st.subheader("Top tracks")
st.caption(
    "The artist's own top-tracks list that day (a collaboration counts for both artists); "
    "a No. 1 by someone else names its artist."
)
ui.show_table(
    pd.DataFrame(
        {
            "Artist": artist,
            "Top tracks": insights["top_track_count"].map(fmt.format_number),
            "Avg popularity": insights["avg_track_popularity"].map(
                lambda v: fmt.format_number(v, 1)
            ),
            "Avg length": insights["avg_track_duration_minutes"].map(fmt.format_duration_minutes),
            "Explicit": insights["explicit_track_share"].map(fmt.format_percent),
            "No. 1 track": [
                number_one(row.top_track_name, row.top_track_artist_name, row.artist_name)
                for row in insights.itertuples()
            ],
            "Its album": insights["top_track_album_name"],
        }
    )
)
