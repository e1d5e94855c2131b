"""The dashboard with 1,001 artists (#23): the artist filter lists and narrows to any of them,
charts draw the top ones by a rule the page states, and no chart draws a thousand series.

The export is the sandbox build's, multiplied (dashboard_thousand.py); expectations are
computed from its Parquet files, not by the dashboard's code.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from dashboard_thousand import ARTISTS, thousand_artists
from test_dashboard_pages import PAGES, chart_data, charts, choose, open_page, texts

from dashboard.charts import DISTINCT_COLOURS, MAX_SERIES


class Export:
    def __init__(self, data_dir, days):
        self.data_dir, self.marts, self.days = data_dir, data_dir / "marts", days


@pytest.fixture(scope="module")
def thousand(sandbox_marts, tmp_path_factory) -> Export:
    folder = thousand_artists(sandbox_marts.marts, tmp_path_factory.mktemp("thousand"))
    return Export(folder, sandbox_marts.days)


def query(export: Export, sql: str, params=()) -> pd.DataFrame:
    from test_dashboard_pages import marts

    return marts(export, sql, params)


def series_counts(chart) -> list[int]:
    """Distinct values of each field a chart's colour or nominal axis is encoded by."""
    spec = json.loads(chart.proto.spec)
    counts = []
    for channel in ("color", "y"):
        encoding = spec.get("encoding", {}).get(channel, {})
        field = encoding.get("field")
        if field and encoding.get("type") == "nominal":
            counts += [frame[field].nunique() for frame in chart_data(chart) if field in frame]
    return counts


def test_the_export_has_a_thousand_artists(thousand):
    last = thousand.days[-1]
    found = query(
        thousand,
        "select count(distinct artist_id) as n from top_artists where snapshot_date = ?",
        [last],
    )
    assert found["n"].iloc[0] == ARTISTS == 1001


@pytest.mark.parametrize("page", list(PAGES))
def test_no_chart_draws_more_than_the_top_series(thousand, page, monkeypatch):
    at = open_page(thousand.data_dir, page, monkeypatch)
    for chart in charts(at):
        counts = series_counts(chart)
        assert all(n <= 25 for n in counts), (page, counts)


def test_top_artists_charts_the_25_largest_shares_and_lists_everyone(thousand, monkeypatch):
    last = thousand.days[-1]
    expected = query(
        thousand,
        "select artist_name from top_artists where snapshot_date = ? "
        "order by share_of_top_track_popularity desc nulls last, share_of_top_track_slots desc, "
        "popularity_rank limit 25",
        [last],
    )["artist_name"]
    at = open_page(thousand.data_dir, "views/top_artists.py", monkeypatch)
    drawn = charts(at)
    assert len(drawn) == 2
    for chart in drawn:
        assert set(chart_data(chart)[0]["artist_name"]) == set(expected)
        assert len(chart_data(chart)[0]) == 25
    assert f"the 25 artists with the largest share that day, of {ARTISTS:,}" in texts(at)
    assert len(at.dataframe[0].value) == ARTISTS


def test_artists_over_time_draws_the_20_most_popular_without_show_all(thousand, monkeypatch):
    last = thousand.days[-1]
    top = query(
        thousand,
        "select artist_name from artist_popularity_daily where snapshot_date = ? "
        "order by popularity desc, artist_name limit ?",
        [last, DISTINCT_COLOURS],
    )["artist_name"]
    at = open_page(thousand.data_dir, "views/artists.py", monkeypatch)
    assert ARTISTS > MAX_SERIES
    assert not at.get("toggle"), "no Show all toggle for a thousand artists"
    for chart in charts(at):
        assert set(chart_data(chart)[0]["artist_name"].dropna()) == set(top)
    assert f"the {DISTINCT_COLOURS} most popular of the {ARTISTS:,} artists" in texts(at)
    assert "choose artists in the sidebar" in texts(at)


def test_across_platforms_draws_the_top_20_artists_of_each_measure(thousand, monkeypatch):
    last = thousand.days[-1]
    at = open_page(thousand.data_dir, "views/across_platforms.py", monkeypatch)
    # The tracks' tabs come first with the same labels: the last tab of each label is the
    # artists'.
    artist_tabs = {tab.label: tab for tab in at.tabs}.values()
    measures = {
        "Deezer fans": "deezer_fans",
        "Last.fm listeners": "lastfm_listeners",
        "Last.fm plays per day": "lastfm_plays",
    }
    checked = 0
    for tab in artist_tabs:
        if tab.label not in measures:
            continue
        column = measures[tab.label]
        top = query(
            thousand,
            f"select a.artist_name from top_artists a join fact_artist_open_signals o "  # noqa: S608
            f"on o.artist_id = a.artist_id and o.snapshot_date = a.snapshot_date::date "
            f"where a.snapshot_date::date = ? order by o.{column} desc nulls last, a.artist_id "
            "limit 20",
            [last],
        )["artist_name"]
        (chart,) = tab.get("vega_lite_chart")
        assert set(chart_data(chart)[0]["label"].dropna()) == set(top), tab.label
        said = " ".join(c.value for c in tab.get("caption"))
        assert f"the 20 artists of {ARTISTS:,} with the highest" in said
        checked += 1
    assert checked == 3


def test_albums_use_one_colour_past_twenty_artists(thousand, monkeypatch):
    at = open_page(thousand.data_dir, "views/albums.py", monkeypatch)
    (chart,) = charts(at)
    layers = json.loads(chart.proto.spec)["layer"]
    colour = layers[1]["encoding"]["color"]
    assert "field" not in colour
    assert colour["value"]
    assert "One colour for the albums of all" in texts(at)


def test_the_artist_filter_offers_every_artist_and_narrows_to_one(thousand, monkeypatch):
    last = thousand.days[-1]
    some = query(
        thousand,
        "select artist_id, artist_name from top_artists where snapshot_date = ? "
        "order by artist_id desc limit 1",
        [last],
    ).iloc[0]
    at = open_page(
        thousand.data_dir, "views/artists.py", monkeypatch, choose(artist_ids=[some.artist_id])
    )
    assert len(at.sidebar.multiselect(key="filter_artists").options) == ARTISTS
    for chart in charts(at):
        assert set(chart_data(chart)[0]["artist_name"].dropna()) == {some.artist_name}
