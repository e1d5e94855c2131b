"""Popularity by release year and month of the tracks' albums."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("By release month")

if filters.any_artist:
    trend = ui.query(
        "select release_year, release_month, track_count, avg_popularity "
        "from popularity_by_release_month "
        "where release_year is not null order by release_year, release_month"
    )
    st.caption("Tracked top tracks by the release date of their album, latest snapshot.")
else:
    # The mart covers every tracked artist; for a chosen few, aggregate the same way here.
    trend = ui.query(
        "with latest as (select max(snapshot_date) as day from fact_track_popularity "
        "where snapshot_date::date between ? and ?) "
        "select year(r.release_day) as release_year, month(r.release_day) as release_month, "
        "count(distinct f.track_id) as track_count, avg(f.popularity) as avg_popularity "
        "from fact_track_popularity f join latest on f.snapshot_date = latest.day "
        "join (select album_id, "
        "try_cast(arg_max(cast(release_date as varchar), valid_to is null) as date) "
        "as release_day from dim_album group by album_id) r using (album_id) "
        "where (? or f.tracked_artist_id = any(?)) and r.release_day is not null "
        "group by 1, 2 order by 1, 2",
        [filters.start, filters.end, *ui.artist_params(filters.artist_ids)],
    )
    st.caption(
        f"Top tracks of {', '.join(filters.artist_names)} by the release date of their "
        "album, latest snapshot in the chosen dates (albums with a full release date)."
    )
if trend.empty:
    st.info("No release dates for this selection.")
    st.stop()

trend["release_month"] = trend["release_month"].fillna(1).astype(int)
trend["release"] = pd.to_datetime(
    {"year": trend["release_year"].astype(int), "month": trend["release_month"], "day": 1}
)
use_popularity = trend["avg_popularity"].notna().any()
if use_popularity:
    st.markdown("**Average popularity of the tracks released that month**")
    st.line_chart(
        trend, x="release", y="avg_popularity", x_label="Release month", y_label="Popularity"
    )
else:
    st.info(
        "**Development Mode data**: Spotify gives no popularity, so only the number of "
        "tracked tracks per release month is shown."
    )
st.markdown("**Tracked tracks per release month**")
st.bar_chart(trend, x="release", y="track_count", x_label="Release month", y_label="Tracks")

by_year = (
    trend.groupby("release_year")
    .apply(
        lambda g: pd.Series(
            {
                "Tracks": int(g["track_count"].sum()),
                "Average popularity": (
                    round((g["avg_popularity"] * g["track_count"]).sum() / g["track_count"].sum())
                    if g["avg_popularity"].notna().any()
                    else None
                ),
            }
        ),
        include_groups=False,
    )
    .reset_index()
    .rename(columns={"release_year": "Release year"})
)
by_year["Release year"] = by_year["Release year"].astype(int).astype(str)
by_year["Tracks"] = by_year["Tracks"].map(fmt.format_number)
by_year["Average popularity"] = by_year["Average popularity"].map(fmt.format_number)
st.dataframe(by_year, hide_index=True)
