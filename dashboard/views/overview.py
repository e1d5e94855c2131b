"""Overview: what the warehouse holds, how fresh it is, and whether the last build passed."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

marts = ui.current_marts()
build = marts.build or {}
last_build = build.get("build") or {}

st.title("Spotify popularity")
st.caption("Tracked artists, their albums and top tracks, one snapshot a day.")

counts = ui.query(
    "select count(distinct tracked_artist_id) as artists, count(distinct track_id) as tracks, "
    "count(distinct snapshot_date) as days, max(snapshot_date)::date as latest "
    "from fact_track_popularity"
)
artists = int(counts["artists"].iloc[0])
if marts.has("top_artists"):
    artists = max(artists, int(ui.query("select count(*) as n from top_artists")["n"].iloc[0]))
latest = counts["latest"].iloc[0]
latest = None if pd.isna(latest) else pd.Timestamp(latest).date()

finished = last_build.get("finished_at") or build.get("exported_at")
status = str(last_build.get("status") or "unknown")

columns = st.columns(3)
columns[0].metric("Tracked artists", fmt.format_number(artists))
columns[1].metric("Tracks", fmt.format_number(counts["tracks"].iloc[0]))
columns[2].metric("Days loaded", fmt.format_number(counts["days"].iloc[0]))
columns = st.columns(3)
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
    help="The latest snapshot date in the warehouse.",
)
tests = last_build.get("tests") or {}
passed = int(tests.get("pass", 0))
failing = sum(int(tests.get(s, 0)) for s in ("fail", "error", "runtime error"))
warned = int(tests.get("warn", 0))
columns[2].metric(
    "dbt tests (last build)",
    f"{passed} passed" if tests else "not recorded",
    delta=f"{failing} failing" if failing else None,
    delta_color="inverse",
)

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
elif tests:
    st.success(
        f"The last build passed all {passed} dbt tests"
        + (f" ({warned} with warnings)." if warned else ".")
    )
if not ui.has_popularity():
    st.info(
        "**Development Mode data**: the warehouse holds no popularity (a Development Mode app "
        "does not receive it). The charts show top-track ranks instead."
    )

st.subheader("Snapshots")
per_day = ui.query(
    "select strftime(snapshot_date::date, '%Y-%m-%d') as day, "
    "count(distinct track_id) as tracks, count(distinct tracked_artist_id) as artists "
    "from fact_track_popularity group by 1 order by 1"
)
st.bar_chart(per_day, x="day", y="tracks", x_label="Snapshot", y_label="Tracks loaded")
if build.get("missing_models"):
    st.caption("Not in this export: " + ", ".join(build["missing_models"]))
