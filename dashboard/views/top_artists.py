"""Top artists on one snapshot day, and each one's share of the popularity of the top tracks."""

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard.labels import artist_labels

TOP_BARS = 25

filters = ui.filters()
st.title("Top artists")
day = ui.latest_date("top_artists", filters)
if day is None:
    st.info("No snapshot in the chosen dates. Widen the dates in the sidebar.")
    st.stop()
ui.caption_snapshot(day, filters)
artists = ui.query(
    "select artist_id, artist_name, popularity, followers, popularity_rank, top_track_count, "
    "share_of_top_track_popularity, share_of_top_track_slots from top_artists "
    "where snapshot_date::date = ? and (? or artist_id = any(?)) "
    "order by share_of_top_track_popularity desc nulls last, share_of_top_track_slots desc, "
    "popularity_rank",
    [day, *ui.artist_params(filters.artist_ids)],
)
if artists.empty:
    st.info("No tracked artist matches the filter on this day.")
    st.stop()

# One bar per artist id (two artists may share a name).
artists["artist_label"] = artists["artist_id"].map(artist_labels(artists))
# The charts draw the top ones (in the query's order); the table below lists every artist.
bars = artists.head(TOP_BARS)
if len(artists) > TOP_BARS:
    st.caption(
        f"The charts show the {TOP_BARS} artists with the largest share that day, of "
        f"{len(artists):,}; the table below lists every one."
    )
use_popularity = artists["share_of_top_track_popularity"].notna().any()
share = "share_of_top_track_popularity" if use_popularity else "share_of_top_track_slots"
if use_popularity:
    st.markdown(
        "**Share of the top tracks' popularity**: the popularity of each artist's top-track "
        "slots added up, over the same sum for every tracked artist that day (a track counts "
        "once, for the tracked artist ranking it highest). The shares of all tracked artists "
        "add up to 100 %, whatever the artist filter."
    )
else:
    ui.development_mode_note(
        "So the share below counts each artist's **top-track slots** without weighting them "
        "by popularity, and artists are ranked by those slots."
    )
    st.markdown("**Share of the top-track slots**")
st.altair_chart(
    charts.horizontal_bars(
        bars,
        category="artist_label",
        value=share,
        value_title="Share of the top tracks' popularity"
        if use_popularity
        else "Share of the top-track slots",
        value_format="%",
        tooltip=[
            {"field": "artist_name", "type": "nominal", "title": "Artist"},
            {"field": share, "type": "quantitative", "title": "Share", "format": ".1%"},
            {"field": "top_track_count", "type": "quantitative", "title": "Top-track slots"},
        ],
    )
)
if use_popularity:
    st.markdown("**Artist popularity** (0-100), in the same order")
    st.altair_chart(
        charts.horizontal_bars(
            bars,
            category="artist_label",
            value="popularity",
            value_title="Artist popularity (0-100)",
            value_domain=(0, 100),
            tooltip=[
                {"field": "artist_name", "type": "nominal", "title": "Artist"},
                {"field": "popularity", "type": "quantitative", "title": "Popularity"},
                {"field": "popularity_rank", "type": "quantitative", "title": "Rank"},
            ],
        )
    )

ui.show_table(
    pd.DataFrame(
        {
            "Artist": artists["artist_name"],
            "Share": artists[share].map(lambda v: fmt.format_percent(v, 1)),
            "Top-track slots": artists["top_track_count"].map(fmt.format_number),
            "Popularity rank": artists["popularity_rank"].map(fmt.format_number),
            "Popularity": artists["popularity"].map(fmt.format_number),
            "Followers": artists["followers"].map(fmt.format_count),
        }
    )
)
