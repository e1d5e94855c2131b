"""Top tracks on one snapshot day, each with its own artist (and "via" its tracked artist)."""

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard import open_signals as signals
from dashboard.labels import track_labels

filters = ui.filters()
st.title("Top tracks")
day = ui.latest_date("top_tracks", filters)
if day is None:
    st.info("No snapshot in the chosen dates. Widen the dates in the sidebar.")
    st.stop()
ui.caption_snapshot(
    day,
    filters,
    "“via” names the tracked artist whose top tracks held a track by someone else.",
)
tracks = ui.query(
    "select track_id, track_name, artist_name, via_artist_name, track_label, album_name, "
    "release_date, popularity, popularity_rank, top_track_rank, duration_minutes from top_tracks "
    "where snapshot_date::date = ?"
    " and (? or artist_id = any(?) or tracked_artist_id = any(?)) order by popularity_rank",
    [day, *ui.track_artist_params(filters)],
)
if tracks.empty:
    st.info("No top track matches the filter on this day.")
    st.stop()

use_popularity = tracks["popularity"].notna().any()
# Bars for at most MAX_SERIES tracks (a day of 1,000 artists has 10,000): the chart is the top.
most = min(len(tracks), charts.MAX_SERIES)
limit = st.slider("How many tracks", 1, most, min(20, most)) if most > 1 else 1
shown = tracks.head(limit).copy()
# One bar per track: two tracks sharing a label get their album added, never one summed bar.
shown["track_label"] = shown["track_id"].map(track_labels(shown))
tooltip = [
    {"field": "track_name", "type": "nominal", "title": "Track"},
    {"field": "artist_name", "type": "nominal", "title": "Artist"},
    {"field": "via_artist_name", "type": "nominal", "title": "Via"},
    {"field": "album_name", "type": "nominal", "title": "Album"},
]
if use_popularity:
    st.altair_chart(
        charts.horizontal_bars(
            shown,
            category="track_label",
            value="popularity",
            value_title="Track popularity (0-100)",
            value_domain=(0, 100),
            tooltip=[
                *tooltip,
                {"field": "popularity", "type": "quantitative", "title": "Popularity"},
            ],
        )
    )
elif signals.available(signals.TRACK_FACTS):
    # Development Mode: the same tracks, with Deezer's rank where popularity would be.
    ui.development_mode_note(
        "So tracks are listed by their rank in their artist's top tracks. "
        + signals.DEVELOPMENT_MODE_CAPTION
    )
    shown = shown.merge(
        ui.query(
            "select track_id, deezer_rank from fact_track_open_signals where snapshot_date = ?",
            [day],
        ),
        on="track_id",
        how="left",
    )
    st.altair_chart(
        charts.horizontal_bars(
            shown,
            category="track_label",
            value="deezer_rank",
            value_title=signals.TRACK_MEASURES["deezer_rank"],
            value_format=",d",
            tooltip=[
                *tooltip,
                {"field": "deezer_rank", "type": "quantitative", "title": "Deezer rank"},
            ],
        )
    )
else:
    ui.development_mode_note(
        "So tracks are listed by their rank in their artist's top tracks and the chart shows "
        "their duration."
    )
    st.altair_chart(
        charts.horizontal_bars(
            shown,
            category="track_label",
            value="duration_minutes",
            value_title="Duration (minutes)",
            tooltip=[
                *tooltip,
                {"field": "duration_minutes", "type": "quantitative", "title": "Minutes"},
            ],
        )
    )

ui.show_table(
    pd.DataFrame(
        {
            "Rank": shown["popularity_rank"].map(fmt.format_number),
            "Track": shown["track_name"],
            "Artist": shown["artist_name"],
            "Via": shown["via_artist_name"].fillna(""),
            "Album": shown["album_name"],
            "Popularity": shown["popularity"].map(fmt.format_number),
            "Top-track rank": shown["top_track_rank"].map(fmt.format_number),
            "Duration": shown["duration_minutes"].map(fmt.format_duration_minutes),
        }
    )
)
