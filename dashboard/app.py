"""The dashboard's entrypoint: `streamlit run dashboard/app.py` (or `make dashboard`)."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts only this folder on sys.path; the pages import the `dashboard` package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import ui  # noqa: E402

HERE = Path(__file__).resolve().parent
PAGES = [
    ("views/overview.py", "Overview", ":material/dashboard:"),
    ("views/popularity.py", "Popularity over time", ":material/show_chart:"),
    ("views/artists.py", "Artists over time", ":material/timeline:"),
    ("views/top_artists.py", "Top artists", ":material/person:"),
    ("views/top_tracks.py", "Top tracks", ":material/music_note:"),
    ("views/release_trend.py", "By release month", ":material/calendar_month:"),
    ("views/albums.py", "Albums vs tracks", ":material/album:"),
    ("views/artist_insights.py", "Artist insights", ":material/insights:"),
    ("views/across_platforms.py", "Across platforms", ":material/hub:"),
    ("views/catalogue.py", "Catalogue", ":material/library_music:"),
    ("views/pipeline_health.py", "Pipeline health", ":material/monitor_heart:"),
]

st.set_page_config(page_title="Spotify popularity", page_icon=":material/equalizer:", layout="wide")

# Pages that read the pipeline's own records (run summaries, dbt results), not the marts: they
# must work when the marts are missing or unreadable, which is when they are needed most.
OPERATIONS_PAGES = {"views/pipeline_health.py"}

pages = {
    path: st.Page(HERE / path, title=title, icon=icon, default=index == 0)
    for index, (path, title, icon) in enumerate(PAGES)
}
page = st.navigation(list(pages.values()))
if page in (pages[path] for path in OPERATIONS_PAGES):
    page.run()
    st.stop()

marts = ui.marts()
st.session_state["_marts"] = marts
if not marts.ready:
    ui.empty_state(marts)
    st.stop()

try:
    ui.sidebar_filters()
    page.run()
except duckdb.Error as error:
    # Marts exported by another version of the dbt project (a column renamed or dropped).
    ui.unreadable_marts(marts, error)
