"""Every page of the dashboard through Streamlit's AppTest, on exported marts.

Three warehouses: one built from sandbox data (extended tier, eight days with a gap), one from
the sandbox's development tier (popularity NULL), and an empty one. The values each page shows
are checked against the marts it reads (the marts themselves are checked against the raw files
in test_reporting_marts.py), with and without the sidebar's filters.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import streamlit as st
from dashboard_pipeline import APP
from streamlit.testing.v1 import AppTest

from dashboard import formatting as fmt
from dashboard.charts import DISTINCT_COLOURS, legend_height
from ingestion.raw_writer import raw_path, read_csv

PAGES = {
    "views/overview.py": "Spotify popularity",
    "views/popularity.py": "Popularity over time",
    "views/artists.py": "Artists over time",
    "views/top_artists.py": "Top artists",
    "views/top_tracks.py": "Top tracks",
    "views/release_trend.py": "By release month",
    "views/albums.py": "Albums vs their tracks",
    "views/artist_insights.py": "Artist insights",
    "views/across_platforms.py": "Across platforms",
    "views/catalogue.py": "Catalogue",
}
# Pages whose main content is a chart (the others are tables).
CHART_PAGES = {
    "views/overview.py",
    "views/popularity.py",
    "views/artists.py",
    "views/top_artists.py",
    "views/top_tracks.py",
    "views/release_trend.py",
    "views/albums.py",
    "views/across_platforms.py",
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


def chart_data(chart) -> list[pd.DataFrame]:
    """The data a chart was sent (Streamlit ships it as Arrow datasets beside the spec)."""
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "caption", "markdown", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def table(at: AppTest, index: int = 0):
    return at.dataframe[index].value


def marts(built, sql: str, params=()) -> pd.DataFrame:
    """A query over the exported marts, outside the app (the test's own view of them)."""
    con = duckdb.connect(":memory:")
    for path in built.marts.glob("*.parquet"):
        con.read_parquet(str(path)).create_view(path.stem)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def choose(artist_ids=(), dates=None):
    """A setup for open_page: pick sidebar artists and/or a date range."""

    def setup(app):
        if artist_ids:
            app.sidebar.multiselect(key="filter_artists").set_value(list(artist_ids))
        if dates:
            app.sidebar.date_input(key="filter_dates").set_value(dates)

    return setup


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
    for chart in charts(at):
        assert any(len(frame) for frame in chart_data(chart)), f"{page}: a chart without data"
    # Each page says what it shows: the dates and the artists.
    assert "all tracked artists" in texts(at)
    assert no_warehouse_access, "the page ran no query"
    assert set(no_warehouse_access) == {":memory:"}


def test_overview_numbers(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/overview.py", monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Days loaded"] == str(len(sandbox_marts.days))
    roster = len(read_csv(raw_path(sandbox_marts.data_dir, "artists", str(sandbox_marts.days[-1]))))
    assert metrics["Tracked artists"] == str(roster)
    tracks = marts(sandbox_marts, "select count(distinct track_id) as n from top_tracks")
    assert metrics["Tracks"] == fmt.format_number(tracks["n"].iloc[0])
    assert metrics["Data freshness"] == sandbox_marts.days[-1].strftime("%-d %b %Y")
    assert {label: metrics[label] for label in BUILD_LABELS} == expected_build_counts(sandbox_marts)
    assert metrics["Last successful run"].endswith(("ago", "just now"))
    assert "passed all its data tests and unit tests" in texts(at)
    per_day = chart_data(charts(at)[0])[0]
    assert sorted(pd.to_datetime(per_day["snapshot_date"]).dt.date) == sandbox_marts.days


BUILD_LABELS = ("Models", "Snapshots", "Data tests", "Unit tests")


def expected_build_counts(built) -> dict[str, str]:
    """The last build's counts, from dbt's own run_results.json: each kind of node apart (an
    exposure or a hook is none of them)."""
    payload = json.loads((built.data_dir / "dbt_target" / "run_results.json").read_text())
    found = Counter((r["unique_id"].split(".")[0], r["status"]) for r in payload["results"])
    kinds = {"model", "snapshot", "test", "unit_test"}
    assert {status for (kind, status) in found if kind in kinds} == {"success", "pass"}, found
    assert found[("unit_test", "pass")], found
    assert found[("snapshot", "success")], found
    return {
        "Models": f"{found[('model', 'success')]} built",
        "Snapshots": f"{found[('snapshot', 'success')]} built",
        "Data tests": f"{found[('test', 'pass')]} passed",
        "Unit tests": f"{found[('unit_test', 'pass')]} passed",
    }


def test_one_count_per_build_on_every_page(sandbox_marts, monkeypatch):
    """The overview and the pipeline health page count the same build the same way (they
    said 211 and 203 tests); the failed build before it stays in the history."""
    expected = expected_build_counts(sandbox_marts)
    at = open_page(sandbox_marts.data_dir, "views/overview.py", monkeypatch)
    overview = {m.label: m.value for m in at.metric}
    at = open_page(sandbox_marts.data_dir, "views/pipeline_health.py", monkeypatch)
    health = {m.label: m.value for m in at.metric}
    assert {k: overview[k] for k in BUILD_LABELS} == {k: health[k] for k in BUILD_LABELS}
    assert {k: health[k] for k in BUILD_LABELS} == expected
    assert health["Last build"] == "success"
    builds = next(t.value for t in at.dataframe if "Invocation" in t.value.columns)
    assert list(builds["Status"]) == ["success", "failed"]
    assert builds["Data tests"].iloc[0] == expected["Data tests"]
    passed = int(expected["Data tests"].split()[0])
    assert builds["Data tests"].iloc[1] == f"{passed - 1} passed, 1 failed"
    assert list(builds["Unit tests"]) == [expected["Unit tests"]] * 2
    assert list(builds["Models"]) == [expected["Models"]] * 2


def test_people_formatted_numbers(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/top_artists.py", monkeypatch)
    followers = table(at)["Followers"]
    assert followers.map(lambda v: bool(COUNT.match(v))).all(), list(followers)
    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch)
    durations = table(at)["Duration"]
    assert durations.map(lambda v: bool(DURATION.match(v))).all(), list(durations)


def test_top_tracks_show_their_own_artist_and_via(sandbox_marts, monkeypatch):
    last = sandbox_marts.days[-1]
    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch)
    expected = marts(
        sandbox_marts,
        "select track_name, artist_name, coalesce(via_artist_name, '') as via, popularity, "
        "track_label from top_tracks where snapshot_date = ? order by popularity_rank limit 20",
        [last],
    )
    shown = table(at)
    assert list(shown["Track"]) == list(expected["track_name"])
    assert list(shown["Artist"]) == list(expected["artist_name"])
    assert list(shown["Via"]) == list(expected["via"])
    assert list(shown["Popularity"]) == [fmt.format_number(p) for p in expected["popularity"]]
    assert (shown["Via"] != "").any(), "no track found through another artist's top tracks"
    assert f"Snapshot of **{fmt.format_date(last)}**" in texts(at)


def test_top_tracks_draw_one_bar_per_track_inside_the_axis(sandbox_marts, monkeypatch):
    """Two of the day's top tracks share a label on purpose (the fixture's days are chosen for
    it): each keeps its own bar, named with its album, not one bar adding them up."""
    last = sandbox_marts.days[-1]
    expected = marts(
        sandbox_marts,
        "select track_id, track_label, album_name, popularity from top_tracks "
        "where snapshot_date = ? order by popularity_rank",
        [last],
    )
    shared = expected[expected["track_label"].duplicated(keep=False)]
    assert len(shared) >= 2, "the fixture's last day lost its two same-named top tracks"
    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch)
    at.slider[0].set_value(len(expected)).run()  # every track of the day
    chart = charts(at)[0]
    bars = chart_data(chart)[0]
    spec = json.loads(chart.proto.spec)
    category, value = spec["encoding"]["y"]["field"], spec["encoding"]["x"]["field"]
    assert list(bars["track_id"]) == list(expected["track_id"])
    assert bars[category].is_unique, "two tracks share one bar"
    assert list(bars[value]) == list(expected["popularity"])
    for row in shared.itertuples():
        label = bars.loc[bars["track_id"] == row.track_id, category].iloc[0]
        assert label == f"{row.track_label} · from {row.album_name}"
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 100]
    assert spec["encoding"]["x"]["title"] == "Track popularity (0-100)"


def test_top_artists_sorted_by_share(sandbox_marts, monkeypatch):
    at = open_page(sandbox_marts.data_dir, "views/top_artists.py", monkeypatch)
    expected = marts(
        sandbox_marts,
        "select artist_name, share_of_top_track_popularity as share, popularity from top_artists "
        "where snapshot_date = ? order by share desc",
        [sandbox_marts.days[-1]],
    )
    shown = table(at)
    assert list(shown["Artist"]) == list(expected["artist_name"])
    assert list(shown["Share"]) == [fmt.format_percent(v, 1) for v in expected["share"]]
    assert list(shown["Popularity"]) == [fmt.format_number(v) for v in expected["popularity"]]
    assert "Share of the top tracks' popularity" in texts(at)
    spec = json.loads(charts(at)[0].proto.spec)
    # Horizontal bars: the value's title on the horizontal axis, the names untitled.
    assert spec["encoding"]["x"]["title"] == "Share of the top tracks' popularity"
    assert spec["encoding"]["y"]["title"] is None


def _by_change(frame: pd.DataFrame, change: str) -> tuple[list, list]:
    rising = frame[frame[change] > 0].sort_values([change, "track_name"], ascending=[False, True])
    falling = frame[frame[change] < 0].sort_values([change, "track_name"])
    return list(rising["track_name"].head(10)), list(falling["track_name"].head(10))


def test_popularity_movers_come_from_the_marts(sandbox_marts, monkeypatch):
    last = sandbox_marts.days[-1]
    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch)
    day_tab, week_tab = at.tabs
    daily = marts(
        sandbox_marts,
        "select track_name, artist_name, popularity_change from top_tracks where snapshot_date = ?",
        [last],
    )
    rising, falling = _by_change(daily, "popularity_change")
    tables = [t.value for t in day_tab.get("dataframe")]
    assert [list(t["Track"]) for t in tables] == [rising, falling]
    weekly = marts(
        sandbox_marts,
        "select track_name, popularity_change from track_movers_7d where window_end_date = ?",
        [last],
    )
    rising, falling = _by_change(weekly, "popularity_change")
    tables = [t.value for t in week_tab.get("dataframe")]
    assert [list(t["Track"]) for t in tables] == [rising, falling]
    # The chart's series are the five most popular tracks of the last day, one per track id,
    # each named by its full label (the album added where two share one).
    lines = chart_data(charts(at)[0])[0]
    top5 = marts(
        sandbox_marts,
        "select track_id, track_label from top_tracks where snapshot_date = ? "
        "order by popularity desc, track_label limit 5",
        [last],
    )
    assert set(lines["track_id"]) == set(top5["track_id"])
    assert lines.groupby("track_id")["track_label"].nunique().eq(1).all()
    assert lines["track_label"].nunique() == 5
    for track_id, label in zip(top5["track_id"], top5["track_label"], strict=True):
        drawn = lines.loc[lines["track_id"] == track_id, "track_label"].iloc[0]
        assert drawn == label or drawn.startswith(f"{label} · from "), (drawn, label)
    # One row per day from the first to the last: the missing day is a NULL (a gap).
    span = (sandbox_marts.days[-1] - sandbox_marts.days[0]).days + 1
    assert len(lines) == 5 * span
    missing = set(pd.date_range(sandbox_marts.days[0], last).date) - set(sandbox_marts.days)
    gap_rows = lines[pd.to_datetime(lines["snapshot_date"]).dt.date.isin(missing)]
    assert len(gap_rows) == 5
    assert gap_rows["popularity"].isna().all()


def test_artists_over_time(sandbox_marts, monkeypatch):
    last = sandbox_marts.days[-1]
    at = open_page(sandbox_marts.data_dir, "views/artists.py", monkeypatch)
    expected = marts(
        sandbox_marts,
        "select artist_name, snapshot_date, popularity, followers from artist_popularity_daily",
    )
    popularity, followers = (chart_data(c)[0] for c in charts(at))
    assert followers["followers"].notna().sum() == len(expected)
    drawn = popularity.dropna(subset=["popularity"])
    assert len(drawn) == len(expected)
    merged = drawn.assign(snapshot_date=pd.to_datetime(drawn["snapshot_date"]).dt.date).merge(
        expected.assign(snapshot_date=pd.to_datetime(expected["snapshot_date"]).dt.date),
        on=["artist_name", "snapshot_date"],
        suffixes=("", "_mart"),
    )
    assert (merged["popularity"] == merged["popularity_mart"]).all()
    assert (merged["followers"] == merged["followers_mart"]).all()
    assert popularity["popularity"].isna().any(), "the missing day should be a gap"
    for chart in charts(at):
        spec = json.loads(chart.proto.spec)
        # Every artist in the legend: Vega clips the entries a short plot has no room for.
        assert spec["encoding"]["color"]["legend"]["symbolLimit"] == 0
        assert spec["height"] >= legend_height(expected["artist_name"].nunique(), 0)
    day_tab, week_tab = at.tabs
    daily = marts(
        sandbox_marts,
        "select artist_name, popularity_change from artist_popularity_daily "
        "where snapshot_date = ? order by popularity_change desc nulls last, "
        "followers_change desc nulls last, artist_name",
        [last],
    )
    shown = day_tab.get("dataframe")[0].value
    assert list(shown["Artist"]) == list(daily["artist_name"])
    assert list(shown["Popularity change"]) == [
        fmt.format_change(v) for v in daily["popularity_change"]
    ]
    weekly = marts(
        sandbox_marts,
        "select artist_name, direction from artist_movers_7d where window_end_date = ? "
        "order by popularity_change desc nulls last, followers_change desc nulls last, "
        "artist_name",
        [last],
    )
    shown = week_tab.get("dataframe")[0].value
    assert list(shown["Artist"]) == list(weekly["artist_name"])
    assert list(shown["Direction"]) == list(weekly["direction"])


def test_release_months_albums_and_insights_match_the_marts(sandbox_marts, monkeypatch):
    last = sandbox_marts.days[-1]
    at = open_page(sandbox_marts.data_dir, "views/release_trend.py", monkeypatch)
    by_year = marts(
        sandbox_marts,
        "select release_year, sum(track_count) as n from popularity_by_release_month "
        "where snapshot_date = ? group by 1 order by 1",
        [last],
    )
    shown = table(at)
    assert list(shown["Release year"]) == [str(y) for y in by_year["release_year"]]
    assert list(shown["Top tracks"]) == [fmt.format_number(n) for n in by_year["n"]]
    assert all(json.loads(c.proto.spec)["mark"]["type"] != "line" for c in charts(at))

    at = open_page(sandbox_marts.data_dir, "views/albums.py", monkeypatch)
    albums = marts(
        sandbox_marts,
        "select album_name, album_popularity from album_vs_track_popularity "
        "where snapshot_date = ? order by popularity_gap desc nulls last, "
        "tracked_track_count desc, album_name",
        [last],
    )
    assert list(table(at)["Album"]) == list(albums["album_name"])
    spec = json.loads(charts(at)[0].proto.spec)
    diagonal, points = spec["layer"]
    assert diagonal["mark"]["type"] == "line"
    assert diagonal["encoding"]["x"]["scale"] == diagonal["encoding"]["y"]["scale"]
    assert points["encoding"]["color"]["title"] == "Album artist"
    assert points["encoding"]["color"]["legend"]["symbolLimit"] == 0

    at = open_page(sandbox_marts.data_dir, "views/artist_insights.py", monkeypatch)
    insights = marts(
        sandbox_marts,
        "select artist_name, album_count, top_track_name from artist_insights "
        "where snapshot_date = ? order by popularity desc, followers desc, artist_name",
        [last],
    )
    audience, discography, tracks = (table(at, i) for i in range(3))
    for section in (audience, discography, tracks):
        assert list(section["Artist"]) == list(insights["artist_name"])
    assert list(discography["Releases"]) == [fmt.format_number(n) for n in insights["album_count"]]
    assert [s.value for s in at.subheader] == ["Audience", "Discography", "Top tracks"]


def test_a_number_one_by_someone_else_says_whose(sandbox_marts, monkeypatch):
    """Artist insights' "No. 1 track", from the raw top tracks: the name, and its artist when
    the track is not the tracked artist's own (the fixture's last day has one)."""
    last = str(sandbox_marts.days[-1])
    names = {
        row["artist_id"]: row["artist_name"]
        for row in read_csv(raw_path(sandbox_marts.data_dir, "artists", last))
    }
    expected = {}
    for row in read_csv(raw_path(sandbox_marts.data_dir, "top_tracks", last)):
        if int(row["rank"]) == 1:
            owner = json.loads(row["track_json"])["artists"][0]["name"]
            artist = names[row["tracked_artist_id"]]
            by = "" if owner == artist else f" (by {owner})"
            expected[artist] = row["track_name"] + by
    assert any("(by " in cell for cell in expected.values()), "no featured No. 1 on that day"
    at = open_page(sandbox_marts.data_dir, "views/artist_insights.py", monkeypatch)
    tracks = table(at, 2)
    assert dict(zip(tracks["Artist"], tracks["No. 1 track"], strict=True)) == expected


def test_filters_apply_to_every_page(sandbox_marts, monkeypatch):
    """One artist and a range ending before the last day: every page shows that day (or the
    range) for that artist, and says so; the Catalogue says it ignores the dates."""
    days = sandbox_marts.days
    start, end = days[1], days[-3]
    # A tracked artist with another artist's track "via" it on the last day, and two of its
    # tracks sharing a label in the range (the fixture's days are chosen to have both).
    via = marts(
        sandbox_marts,
        "select tracked_artist_id, any_value(tracked_artist_name) as tracked_artist_name "
        "from top_tracks where snapshot_date between ? and ? "
        "and (artist_id = tracked_artist_id or via_artist_name is not null) "
        "group by tracked_artist_id "
        "having count(*) filter (snapshot_date = ? and via_artist_name is not null) > 0 "
        "and count(distinct track_id) > count(distinct track_label) order by 1 limit 1",
        [start, end, end],
    )
    assert not via.empty, "the fixture lost its two same-named tracks: pin other days"
    artist_id, artist = via["tracked_artist_id"].iloc[0], via["tracked_artist_name"].iloc[0]
    setup = choose([artist_id], (start, end))

    at = open_page(sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch, setup)
    expected = marts(
        sandbox_marts,
        "select track_name, artist_name from top_tracks where snapshot_date = ? "
        "and (artist_id = ? or tracked_artist_id = ?) order by popularity_rank",
        [end, artist_id, artist_id],
    )
    assert list(table(at)["Track"]) == list(expected["track_name"])[:20]
    # The artist's own tracks, and others' tracks found in its top tracks ("via" it).
    assert set(table(at)["Artist"]) - {artist}
    assert f"Snapshot of **{fmt.format_date(end)}**" in texts(at)
    assert artist in texts(at)

    for page, column in [
        ("views/top_artists.py", "Artist"),
        ("views/artist_insights.py", "Artist"),
    ]:
        at = open_page(sandbox_marts.data_dir, page, monkeypatch, setup)
        assert set(table(at)[column]) == {artist}, page
        assert f"Snapshot of **{fmt.format_date(end)}**" in texts(at), page
    at = open_page(sandbox_marts.data_dir, "views/top_artists.py", monkeypatch, setup)
    share = marts(
        sandbox_marts,
        "select share_of_top_track_popularity as s from top_artists "
        "where snapshot_date = ? and artist_id = ?",
        [end, artist_id],
    )["s"].iloc[0]
    assert list(table(at)["Share"]) == [fmt.format_percent(share, 1)]

    at = open_page(sandbox_marts.data_dir, "views/albums.py", monkeypatch, setup)
    albums = marts(
        sandbox_marts,
        "select album_name from album_vs_track_popularity where snapshot_date = ? "
        "and list_contains(related_artist_ids, ?)",
        [end, artist_id],
    )
    assert sorted(table(at)["Album"]) == sorted(albums["album_name"])

    at = open_page(sandbox_marts.data_dir, "views/release_trend.py", monkeypatch, setup)
    count = marts(
        sandbox_marts,
        "select sum(track_count) as n from popularity_by_release_month "
        "where snapshot_date = ? and tracked_artist_id = ?",
        [end, artist_id],
    )["n"].iloc[0]
    assert sum(int(n) for n in table(at)["Top tracks"]) == count

    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch, setup)
    lines = chart_data(charts(at)[0])[0]
    dates = set(pd.to_datetime(lines["snapshot_date"]).dt.date)
    assert dates == set(pd.date_range(start, end).date)
    assert f"From **{fmt.format_date(start)}** to **{fmt.format_date(end)}**" in texts(at)
    # One option per track, each named by its label; two tracks sharing a label get two
    # different names (their album added), and choosing both draws two lines.
    picker = at.multiselect(key="popularity_tracks")
    allowed = marts(
        sandbox_marts,
        "select track_id, arg_max(track_label, snapshot_date) as track_label, "
        "arg_max(album_name, snapshot_date) as album_name from top_tracks "
        "where snapshot_date between ? and ? and (artist_id = ? or tracked_artist_id = ?) "
        "group by track_id order by track_label, track_id",
        [start, end, artist_id, artist_id],
    )
    assert len(picker.options) == len(allowed) == len(set(picker.options))
    shared = allowed[allowed["track_label"].duplicated(keep=False)]
    assert len(shared) >= 2
    for row in shared.itertuples():
        assert f"{row.track_label} · from {row.album_name}" in picker.options
    twins = list(shared["track_id"].head(2))
    picker.set_value(twins).run()
    assert not at.exception
    lines = chart_data(charts(at)[0])[0]
    assert sorted(set(lines["track_id"])) == sorted(twins)
    assert lines["track_label"].nunique() == 2

    at = open_page(sandbox_marts.data_dir, "views/artists.py", monkeypatch, setup)
    drawn = chart_data(charts(at)[0])[0]
    assert set(drawn["artist_name"]) == {artist}
    assert set(pd.to_datetime(drawn["snapshot_date"]).dt.date) == set(
        pd.date_range(start, end).date
    )

    at = open_page(sandbox_marts.data_dir, "views/overview.py", monkeypatch, setup)
    metrics = {m.label: m.value for m in at.metric}
    in_range = [d for d in days if start <= d <= end]
    assert metrics["Days loaded"] == str(len(in_range))
    assert metrics["Tracked artists"] == "1"

    at = open_page(sandbox_marts.data_dir, "views/catalogue.py", monkeypatch, setup)
    assert "snapshot-date filter does not apply here" in texts(at)
    credited = marts(
        sandbox_marts,
        "select track_name from catalogue_details where list_contains(artist_ids, ?)",
        [artist_id],
    )
    assert sorted(table(at)["Track"]) == sorted(credited["track_name"])


def test_a_one_day_range(sandbox_marts, monkeypatch):
    first = sandbox_marts.days[0]
    at = open_page(
        sandbox_marts.data_dir, "views/popularity.py", monkeypatch, choose(dates=(first, first))
    )
    assert charts(at)
    assert "No 7-day window ends on" in texts(at)
    at = open_page(
        sandbox_marts.data_dir, "views/top_tracks.py", monkeypatch, choose(dates=(first, first))
    )
    assert f"Snapshot of **{fmt.format_date(first)}**" in texts(at)


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


def test_development_mode_charts_rank(development_marts, tmp_path, monkeypatch):
    """Without open signals (an export from before them), the top-track rank stands in for
    popularity (with them: test_dashboard_across_platforms.py)."""
    marts = tmp_path / "marts"
    shutil.copytree(development_marts.marts, marts)
    (marts / "fact_track_open_signals.parquet").unlink()
    at = open_page(tmp_path, "views/popularity.py", monkeypatch)
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


def test_track_selection_follows_the_artist_filter(sandbox_marts, monkeypatch):
    """The tracks drawn are the chosen artist's top 5, not what is left of the top 5 picked
    under the previous filter."""
    last = sandbox_marts.days[-1]
    top5 = (
        "select track_id, artist_id from top_tracks where snapshot_date = ? "
        "and (? is null or artist_id = ? or tracked_artist_id = ?) "
        "order by popularity desc, track_label, track_id limit 5"
    )
    everyone = marts(sandbox_marts, top5, [last, None, None, None])
    artist_id = everyone["artist_id"].iloc[0]
    theirs = marts(sandbox_marts, top5, [last, artist_id, artist_id, artist_id])
    survivors = set(everyone["track_id"]) & set(theirs["track_id"])
    assert survivors != set(theirs["track_id"]), "pick an artist with other tracks in its top 5"

    at = open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch)
    assert set(chart_data(charts(at)[0])[0]["track_id"]) == set(everyone["track_id"])
    at.sidebar.multiselect(key="filter_artists").set_value([artist_id]).run()
    assert not at.exception
    assert set(chart_data(charts(at)[0])[0]["track_id"]) == set(theirs["track_id"])
    assert set(at.multiselect(key="popularity_tracks").value) == set(theirs["track_id"])


@pytest.mark.parametrize("page", ["views/popularity.py", "views/artists.py"])
def test_seven_day_windows_stay_inside_the_chosen_dates(sandbox_marts, page, monkeypatch):
    days = sandbox_marts.days
    since = marts(
        sandbox_marts,
        "select min(window_start_date)::date as d from artist_movers_7d where window_end_date = ?",
        [days[-1]],
    )["d"].iloc[0]
    since = pd.Timestamp(since).date()
    assert days[0] < since < days[-1]
    inside = open_page(sandbox_marts.data_dir, page, monkeypatch, choose(dates=(since, days[-1])))
    week = inside.tabs[1]
    assert week.get("dataframe"), "the window inside the dates shows its movers"
    assert f"{fmt.format_date(since)} against {fmt.format_date(days[-1])}" in texts(inside)

    later = since + dt.timedelta(days=1)
    outside = open_page(sandbox_marts.data_dir, page, monkeypatch, choose(dates=(later, days[-1])))
    week = outside.tabs[1]
    assert not week.get("dataframe"), "a window starting before the chosen dates is shown"
    said = " ".join(i.value for i in week.get("info"))
    assert f"compares {fmt.format_date(days[-1])} with {fmt.format_date(since)}" in said
    assert f"before the chosen start date ({fmt.format_date(later)})" in said


def test_a_hundred_artists_top_20_then_show_all(sandbox_marts, tmp_path, monkeypatch):
    """With 100 artists, Artists over time draws the 20 most popular (twenty distinct colours),
    says so, and draws every one, each named in the legend, on "Show all"."""
    shutil.copytree(sandbox_marts.marts, tmp_path / "marts")
    daily = tmp_path / "marts" / "artist_popularity_daily.parquet"
    with duckdb.connect(":memory:") as con:
        ranked = con.execute(
            "select * replace (artist_id || '-' || copy as artist_id, "
            "artist_name || ' ' || copy as artist_name, popularity - copy % 7 as popularity) "
            "from read_parquet(?), range(10) as t(copy)",
            [str(daily)],
        ).df()
    ranked.to_parquet(daily, index=False)
    ranked["on_last"] = pd.to_datetime(ranked["snapshot_date"]).dt.date == sandbox_marts.days[-1]
    assert ranked["artist_name"].nunique() == 110
    top = (
        ranked[ranked["on_last"]]
        .sort_values(["popularity", "artist_name"], ascending=[False, True])["artist_name"]
        .head(DISTINCT_COLOURS)
    )

    at = open_page(tmp_path, "views/artists.py", monkeypatch)
    for chart in charts(at):
        assert set(chart_data(chart)[0]["artist_name"]) == set(top)
    assert f"the {DISTINCT_COLOURS} most popular of the 110 artists" in texts(at)
    at.toggle(key="artists_show_all").set_value(True).run()
    assert not at.exception
    for chart in charts(at):
        assert chart_data(chart)[0]["artist_name"].nunique() == 110
        spec = json.loads(chart.proto.spec)
        assert spec["height"] >= legend_height(110, 0)
        assert spec["encoding"]["color"]["legend"]["symbolLimit"] == 0
    assert "most popular of the" not in texts(at)


def _x_axis(chart) -> dict:
    return json.loads(chart.proto.spec)["encoding"]["x"]["axis"]


def test_time_axes_show_the_year_when_the_range_crosses_one(sandbox_marts, monkeypatch):
    days = sandbox_marts.days
    assert days[0].year != days[-1].year  # the fixture crosses a year on purpose
    same_year = [d for d in days if d.year == days[-1].year]
    for page in ("views/overview.py", "views/popularity.py", "views/artists.py"):
        at = open_page(sandbox_marts.data_dir, page, monkeypatch)
        for chart in charts(at):
            assert _x_axis(chart)["format"] == "%d %b %Y", page
        at = open_page(
            sandbox_marts.data_dir,
            page,
            monkeypatch,
            choose(dates=(same_year[0], same_year[-1])),
        )
        for chart in charts(at):
            axis = _x_axis(chart)
            assert axis["format"] == "%d %b", page
            assert axis["tickCount"] == {"interval": "day", "step": 1}, page


def test_popularity_axes_are_whole_numbers(sandbox_marts, monkeypatch):
    """A flat series made Vega label the axis 87.000000: popularity ticks are integers."""
    for page in ("views/popularity.py", "views/artists.py"):
        at = open_page(sandbox_marts.data_dir, page, monkeypatch)
        y = json.loads(charts(at)[0].proto.spec)["encoding"]["y"]
        assert y["field"] == "popularity"
        assert (y["axis"]["format"], y["axis"]["tickMinStep"]) == ("d", 1), page


def test_tables_are_wide_enough_for_full_names(sandbox_marts, monkeypatch):
    """Names were cut ("Johnny Cas", "Charlie Brow"): text columns are as wide as their
    longest value (about 8 px a character)."""
    for page, index in (
        ("views/artist_insights.py", 2),
        ("views/top_artists.py", 0),
        ("views/top_tracks.py", 0),
    ):
        at = open_page(sandbox_marts.data_dir, page, monkeypatch)
        shown = at.dataframe[index]
        widths = {
            name: config.get("width")
            for name, config in json.loads(shown.proto.columns or "{}").items()
        }
        for column in shown.value.columns:
            values = shown.value[column]
            if values.dtype != object and not pd.api.types.is_string_dtype(values):
                continue
            longest = max(len(str(v)) for v in [column, *values])
            assert widths.get(column, 0) >= min(420, 8 * longest), (page, column, widths)


def test_a_lone_day_from_another_year_is_pointed_out(sandbox_marts, tmp_path, monkeypatch):
    """A day from 1999 made every default range 27 years long, unreadable and unexplained:
    the axis then shows months and years, and the sidebar says where the gap is."""
    shutil.copytree(sandbox_marts.marts, tmp_path / "marts")
    top = tmp_path / "marts" / "top_tracks.parquet"
    with duckdb.connect(":memory:") as con:
        frame = con.execute(
            "select * from read_parquet(?) union all "
            "select * replace (date '1999-06-01' as snapshot_date) "
            "from (select * from read_parquet(?) order by snapshot_date, track_id limit 1)",
            [str(top), str(top)],
        ).df()
    frame.to_parquet(top, index=False)
    first = sandbox_marts.days[0]
    at = open_page(tmp_path, "views/overview.py", monkeypatch)
    hint = " ".join(c.value for c in at.sidebar.caption)
    gap = (first - dt.date(1999, 6, 1)).days - 1
    assert f"{len(sandbox_marts.days) + 1} snapshot days, 1 Jun 1999 to" in hint
    assert f"None from 2 Jun 1999 to {fmt.format_date(first - dt.timedelta(days=1))}" in hint
    assert f"({gap:,} days): start the range on {fmt.format_date(first)}" in hint
    axis = _x_axis(charts(at)[0])
    assert axis["format"] == "%b %Y"
    assert axis["labelOverlap"] is True
