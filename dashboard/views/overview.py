"""Overview: what the warehouse holds, how fresh it is, and whether the last build passed."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, health, ui
from dashboard import formatting as fmt
from dashboard import open_signals as signals
from dashboard.labels import artist_labels

marts = ui.current_marts()
build = marts.build or {}
last_build = build.get("build") or {}

st.title("Spotify popularity")
st.caption("Tracked artists, their albums and top tracks, one snapshot a day.")

filters = ui.filters()
ui.caption_range(filters, "Counts and the chart below cover these dates and artists.")
counts = ui.query(
    "select count(distinct track_id) as tracks, count(distinct snapshot_date) as days "
    "from top_tracks "
    "where snapshot_date::date between ? and ? "
    "and (? or artist_id = any(?) or tracked_artist_id = any(?))",
    [filters.start, filters.end, *ui.track_artist_params(filters)],
)
artists = int(
    ui.query(
        "select count(distinct artist_id) as n from top_artists "
        "where snapshot_date::date between ? and ? and (? or artist_id = any(?))",
        [filters.start, filters.end, *ui.artist_params(filters.artist_ids)],
    )["n"].iloc[0]
)
latest = ui.snapshot_range()[1]

finished = last_build.get("finished_at") or build.get("exported_at")
status = str(last_build.get("status") or "unknown")

columns = st.columns(3)
columns[0].metric("Tracked artists", fmt.format_number(artists))
columns[1].metric("Tracks", fmt.format_number(counts["tracks"].iloc[0]))
columns[2].metric("Days loaded", fmt.format_number(counts["days"].iloc[0]))
columns = st.columns(2)
columns[0].metric(
    "Last successful run",
    fmt.format_age(finished) if status == "success" else "—",
    help=f"dbt build finished {fmt.format_timestamp(finished)}; exported "
    f"{fmt.format_timestamp(build.get('exported_at'))}",
)
age_days = (dt.datetime.now(dt.UTC).date() - latest).days if latest else None
columns[1].metric(
    "Data freshness",
    fmt.format_date(latest),
    help="The latest snapshot date in the warehouse (whatever the filters).",
)
counts = last_build.get("counts") or {}
st.markdown("**The last dbt build**")
if counts:
    ui.build_count_metrics(counts)
else:
    st.caption("The last build's counts are not recorded in this export.")
failing = health.failed_tests(counts)

if age_days is not None and age_days > 1:
    st.warning(
        f"The latest snapshot is {age_days} days old: the daily run may not have run. "
        "`make run` (or the Airflow `spotify_ingest` DAG) loads today."
    )
if status not in {"success", "unknown"}:
    st.error(f"The last dbt build's status is **{status}**: the marts are from the last export.")
if failing:
    st.error(f"{failing} dbt test(s) failed in the last build.")
    failed = pd.DataFrame(last_build.get("failed") or [])
    if not failed.empty:
        st.dataframe(failed, hide_index=True)
elif counts:
    st.success("The last build passed all its data tests and unit tests.")
open_signals_instead = not ui.has_popularity() and signals.available(signals.ARTIST_FACTS)
if not ui.has_popularity() and not open_signals_instead:
    st.info(
        "**Development Mode data**: the warehouse holds no popularity (a Development Mode app "
        "does not receive it). The charts show top-track ranks instead."
    )

st.subheader("Top tracks per snapshot day")
per_day = ui.query(
    "select snapshot_date::date as snapshot_date, count(*) as tracks from top_tracks "
    "where snapshot_date::date between ? and ? "
    "and (? or artist_id = any(?) or tracked_artist_id = any(?)) group by 1 order by 1",
    [filters.start, filters.end, *ui.track_artist_params(filters)],
)
# A time axis: a day without a snapshot is an empty slot, not a bar next to its neighbours.
st.altair_chart(
    alt.Chart(per_day)
    .mark_bar(width={"band": 0.8})
    .encode(
        # One day-wide bar per snapshot on a time axis (charts.time_axis: the year when the
        # range crosses one).
        x=charts.time_axis(filters.start, filters.end, field="yearmonthdate(snapshot_date)"),
        y=alt.Y("tracks:Q", title="Top tracks loaded"),
        tooltip=[
            alt.Tooltip("snapshot_date:T", title="Date", format="%d %b %Y"),
            alt.Tooltip("tracks:Q", title="Top tracks"),
        ],
    )
    .properties(height=260)
)
if open_signals_instead:
    # Development Mode: where Spotify's popularity would be, the artists' open signals.
    st.subheader("Last.fm plays per day, per artist")
    ui.development_mode_note(signals.DEVELOPMENT_MODE_CAPTION)
    artists_history = signals.artist_history(filters)
    title = signals.ARTIST_MEASURES["lastfm_plays"]
    drawn, note = signals.top_of(
        artists_history, key="artist_id", measure="lastfm_plays", title=title, what="artists"
    )
    if note:
        st.caption(note)
    st.altair_chart(
        signals.lines(
            drawn,
            key="artist_id",
            labels=artist_labels(artists_history),
            measure="lastfm_plays",
            title=signals.ARTIST_MEASURES["lastfm_plays"],
            series_title="Artist",
            current=filters,
        )
    )
if build.get("missing_models"):
    st.caption("Not in this export: " + ", ".join(build["missing_models"]))
