"""Albums against their tracks: is an album as popular as its tracked tracks?"""

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard.labels import unique_labels

filters = ui.filters()
st.title("Albums vs their tracks")
day = ui.latest_date("album_vs_track_popularity", filters)
if day is None:
    st.info("No snapshot in the chosen dates. Widen the dates in the sidebar.")
    st.stop()
ui.caption_snapshot(day, filters, "Albums of that day's top tracks.")
albums = ui.query(
    "select album_id, album_name, coalesce(artist_name, 'unknown artist') as artist_name, "
    "album_popularity, avg_track_popularity, max_track_popularity, tracked_track_count, "
    "popularity_gap from album_vs_track_popularity "
    "where snapshot_date::date = ? and (? or list_has_any(related_artist_ids, ?)) "
    "order by popularity_gap desc nulls last, tracked_track_count desc, album_name",
    [day, *ui.artist_params(filters.artist_ids)],
)
if albums.empty:
    st.info("No album matches the filter on this day.")
    st.stop()

use_popularity = albums["album_popularity"].notna().any()
if use_popularity:
    st.caption(
        "Each point is an album: its own popularity against the average popularity of its "
        "tracked top tracks. Above the dashed diagonal, the album is more popular than its "
        "tracks; below it, less."
    )
    low = float(min(albums["album_popularity"].min(), albums["avg_track_popularity"].min()))
    high = float(max(albums["album_popularity"].max(), albums["avg_track_popularity"].max()))
    low, high = max(0.0, low - 2), min(100.0, high + 2)
    domain = [low, high]
    artists = albums["artist_name"].nunique()
    if artists > charts.DISTINCT_COLOURS:
        # A colour per artist helps up to twenty; past that, one colour and the tooltip.
        colour = alt.value(charts.ONE_COLOUR)
        st.caption(
            f"One colour for the albums of all {artists:,} artists (more than "
            f"{charts.DISTINCT_COLOURS} colours cannot be told apart): point at an album for "
            "its artist, or choose artists in the sidebar."
        )
    else:
        colour = (
            alt.Color("artist_name:N", title="Album artist")
            .scale(scheme=charts.PALETTE)
            .legend(orient="right", symbolLimit=0, labelLimit=charts.LABEL_LIMIT)
        )
    points = (
        alt.Chart(albums)
        .mark_circle(opacity=0.8)
        .encode(
            x=alt.X(
                "avg_track_popularity:Q", title="Average popularity of its tracked tracks"
            ).scale(domain=domain),
            y=alt.Y("album_popularity:Q", title="Album popularity").scale(domain=domain),
            color=colour,
            size=alt.Size("tracked_track_count:Q", title="Tracked tracks").legend(None),
            tooltip=[
                alt.Tooltip("album_name:N", title="Album"),
                alt.Tooltip("artist_name:N", title="Artist"),
                alt.Tooltip("album_popularity:Q", title="Album popularity"),
                alt.Tooltip("avg_track_popularity:Q", title="Average track popularity"),
                alt.Tooltip("tracked_track_count:Q", title="Tracked tracks"),
            ],
        )
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"x": domain, "y": domain}))
        .mark_line(strokeDash=[6, 4], color="gray")
        .encode(x=alt.X("x:Q").scale(domain=domain), y=alt.Y("y:Q").scale(domain=domain))
    )
    height = charts.legend_height(artists if artists <= charts.DISTINCT_COLOURS else 0, 480)
    st.altair_chart((diagonal + points).properties(height=height, usermeta=charts.SVG))
else:
    ui.development_mode_note(
        "So the albums are compared by how many of their tracks are among the tracked top tracks."
    )
    bars = albums.sort_values(["tracked_track_count", "album_name"], ascending=[False, True])
    bars = bars.head(25).assign(label=lambda f: f["album_name"] + " · " + f["artist_name"])
    bars["label"] = bars["album_id"].map(unique_labels(bars, "album_id", "label"))
    st.altair_chart(
        charts.horizontal_bars(
            bars,
            category="label",
            value="tracked_track_count",
            value_title="Tracked top tracks on the album",
            tooltip=[
                alt.Tooltip("album_name:N", title="Album"),
                alt.Tooltip("artist_name:N", title="Artist"),
                alt.Tooltip("tracked_track_count:Q", title="Tracked tracks"),
            ],
        )
    )

ui.show_table(
    pd.DataFrame(
        {
            "Album": albums["album_name"],
            "Artist": albums["artist_name"],
            "Album popularity": albums["album_popularity"].map(fmt.format_number),
            "Avg track popularity": albums["avg_track_popularity"].map(
                lambda v: fmt.format_number(v, 1)
            ),
            "Best track popularity": albums["max_track_popularity"].map(fmt.format_number),
            "Tracked tracks": albums["tracked_track_count"].map(fmt.format_number),
            "Gap": albums["popularity_gap"].map(lambda v: fmt.format_number(v, 1)),
        }
    )
)
