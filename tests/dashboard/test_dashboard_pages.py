"""Every page of the dashboard through Streamlit's AppTest, on exported marts.

Three warehouses: one built from sandbox data (extended tier), one from the sandbox's
development tier (popularity NULL), and an empty one.
"""

from __future__ import annotations

import re
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest
import streamlit as st
from dashboard_pipeline import APP
from streamlit.testing.v1 import AppTest

from ingestion.raw_writer import raw_path, read_csv

PAGES = {
    "views/overview.py": "Spotify popularity",
    "views/popularity.py": "Popularity over time",
    "views/top_artists.py": "Top artists",
    "views/top_tracks.py": "Top tracks",
    "views/release_trend.py": "By release month",
    "views/albums.py": "Albums vs their tracks",
    "views/artist_insights.py": "Artist insights",
    "views/catalogue.py": "Catalogue",
}
# Pages whose main content is a chart (the others are tables).
CHART_PAGES = {
    "views/overview.py",
    "views/popularity.py",
    "views/top_artists.py",
    "views/top_tracks.py",
    "views/release_trend.py",
    "views/albums.py",
}
DURATION = re.compile(r"^\d+:\d\d$")
COUNT = re.compile(r"^\d+(\.\d)? [KMB]$|^\d{1,3}$")


def open_page(data_dir, page: str, monkeypatch, setup=None) -> AppTest:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if setup is not None:
        setup(at)
        at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest):
    return at.get("vega_lite_chart")


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "caption", "markdown", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def table(at: AppTest, index: int = 0):
    return at.dataframe[index].value


@pytest.fixture
def no_warehouse_access(monkeypatch):
    """Fail if anything opens a DuckDB database other than an in-memory one."""
    opened = []
    real_connect = duckdb.connect
    st.cache_data.clear()  # so the page really queries

    def connect(database=":memory:", *args, **kwargs):
        opened.append(str(database))
        assert str(database) in {":memory:", ""}, f"the dashboard opened {database}"
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    return opened


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_on_sandbox_data(sandbox_marts, page, monkeypatch, no_warehouse_access):
    monkeypatch.setenv("DUCKDB_PATH", str(sandbox_marts.duckdb_path))
    at = open_page(sandbox_marts.data_dir, page, monkeypatch)
    assert at.title[0].value == PAGES[page]
    assert "Development Mode" not in texts(at)
    if page in CHART_PAGES:
        assert charts(at), f"{page} shows no chart"
    else:
        assert at.dataframe, f"{page} shows no table"
    assert no_warehouse_access, "the page ran no query"
    assert set(no_warehouse_access) == {":memory:"}


def test_overview_numbers(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/overview.py", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Days loaded"] == str(len(sandbox_marts.days))
    roster = len(read_csv(raw_path(sandbox_marts.data_dir, "artists", str(sandbox_marts.days[-1]))))
    assert metrics["Tracked artists"] == str(roster)
    assert int(metrics["Tracks"].replace(",", "")) >= int(metrics["Tracked artists"])
    assert metrics["Data freshness"] == sandbox_marts.days[-1].strftime("%-d %b %Y")
    passed = sandbox_marts.build["tests"]["pass"]
    assert metrics["dbt tests (last build)"] == f"{passed} passed"
    assert metrics["Last successful run"].endswith(("ago", "just now"))
    assert f"passed all {passed} dbt tests" in texts(at)


def test_people_formatted_numbers(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/top_artists.py", monkeypatch)
    followers = table(at)["Followers"]
    assert followers.map(lambda v: bool(COUNT.match(v))).all(), list(followers)
    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch)
    durations = table(at)["Duration"]
    assert durations.map(lambda v: bool(DURATION.match(v))).all(), list(durations)


def test_artist_filter_narrows_every_page(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch)
    everyone = set(table(at)["Artist"])
    assert len(everyone) > 1
    artist_select = at.sidebar.multiselect(key="filter_artists")
    first = artist_select.options[0]

    def choose(app):
        app.sidebar.multiselect(key="filter_artists").select(first)

    for page, column in [
        ("views/top_tracks.py", "Artist"),
        ("views/top_artists.py", "Artist"),
        ("views/albums.py", "Artist"),
        ("views/artist_insights.py", "Artist"),
    ]:
        at = open_page(sandbox_marts.data_dir, page, monkeypatch, setup=choose)
        assert set(table(at)[column]) == {first}, page
    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch, setup=choose)
    assert all(option.endswith(f"· {first}") for option in at.multiselect[0].options)
    at = open_page(sandbox_marts.data_dir, "views/release_trend.py", monkeypatch, setup=choose)
    assert first in texts(at)
    assert charts(at)


def test_date_range_filter(sandbox_marts, monkeypatch):
    last = sandbox_marts.days[-1]

    def one_day(app):
        app.sidebar.date_input(key="filter_dates").set_value((last, last))

    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch, setup=one_day)
    assert "One snapshot in this range" in texts(at)
    assert charts(at)


def test_rising_and_falling(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch)
    assert "Popularity on" in texts(at)
    changes = [c for frame in at.dataframe for c in frame.value["Change"]]
    assert changes, "no track moved over four sandbox days"
    assert all(re.match(r"^[+-]\d+$", c) for c in changes)


def test_catalogue_search_is_a_parameter_not_sql(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/catalogue.py", monkeypatch)
    everything = table(at)
    assert everything["Genres"].ne("—").any(), "no genre in the catalogue"
    name = everything["Track"].iloc[0]
    at.text_input(key="catalogue_search").input(name.upper()).run()
    assert not at.exception
    assert name in set(table(at)["Track"])
    assert len(table(at)) < len(everything)
    at.text_input(key="catalogue_search").input("x' or 1=1; drop table top_tracks; --").run()
    assert not at.exception
    assert "No track matches" in texts(at)
    genre = at.multiselect(key="catalogue_genres").options[0]
    at.text_input(key="catalogue_search").input("").run()
    at.multiselect(key="catalogue_genres").select(genre).run()
    assert table(at)["Genres"].map(lambda g: genre in g).all()


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_on_development_mode_data(development_marts, page, monkeypatch):
    at = open_page(development_marts.data_dir, page, monkeypatch)
    assert at.title[0].value == PAGES[page]
    if page in CHART_PAGES:
        assert charts(at), f"{page} shows no chart on Development Mode data"
    if page != "views/catalogue.py":
        assert "Development Mode" in texts(at), f"{page} does not say popularity is missing"


def test_development_mode_charts_rank(development_marts, monkeypatch):
    at = open_page(development_marts.data_dir, "views/popularity.py", monkeypatch)
    assert "top-track rank" in texts(at)
    spec = charts(at)[0].proto.spec
    assert "top_track_rank" in spec
    assert '"reverse": true' in spec.replace(" ", "").replace(":", ": ")
    at = open_page(development_marts.data_dir, "views/top_artists.py", monkeypatch)
    assert set(table(at)["Followers"]) == {"—"}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_on_an_empty_warehouse(empty_data_dir, page, monkeypatch):
    at = open_page(empty_data_dir, page, monkeypatch)
    assert at.title[0].value == "No data yet"
    assert "make run" in at.info[0].value


def test_missing_data_dir_and_partial_export(tmp_path, monkeypatch):
    at = open_page(tmp_path / "does-not-exist", "views/overview.py", monkeypatch)
    assert at.title[0].value == "No data yet"
    marts = tmp_path / "partial" / "marts"
    marts.mkdir(parents=True)
    (marts / "_build.json").write_text("{not json")
    at = open_page(tmp_path / "partial", "views/popularity.py", monkeypatch)
    assert at.title[0].value == "No data yet"


def test_marts_from_another_schema_show_a_message_not_a_traceback(
    sandbox_marts, tmp_path, monkeypatch
):
    marts = tmp_path / "marts"
    shutil.copytree(sandbox_marts.marts, marts)
    top_tracks = pq.read_table(marts / "top_tracks.parquet")
    pq.write_table(top_tracks.drop_columns(["duration_minutes"]), marts / "top_tracks.parquet")
    at = open_page(tmp_path, "views/top_tracks.py", monkeypatch)
    assert "The exported marts cannot be read" in [t.value for t in at.title]
    assert "make run" in at.error[0].value
