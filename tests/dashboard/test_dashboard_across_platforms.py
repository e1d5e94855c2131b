"""The open signals (Deezer, Last.fm) on the dashboard, through Streamlit's AppTest: the
"Across platforms" page, and the open signals a Development Mode user sees where Spotify's
popularity would be (Overview, Popularity over time, Artists over time, Top tracks). Values
are checked against the exported marts, and the Deezer rank against the raw files. Both
tiers: `sandbox_marts` (extended, popularity present) and `development_marts` (popularity
NULL), built by dashboard_pipeline.py with the open-signal days of the same pinned dates.
"""

from __future__ import annotations

import json

import pandas as pd
import test_dashboard_pages as pages

from dashboard import formatting as fmt
from ingestion.raw_writer import raw_path, read_csv

PAGE = "views/across_platforms.py"
TRACK_TABS = [
    "Spotify popularity (0-100)",
    "Deezer rank (0-1,000,000, higher = more streams)",
    "Last.fm listeners",
    "Last.fm plays per day",
]
ARTIST_TABS = [
    "Spotify popularity (0-100)",
    "Deezer fans",
    "Last.fm listeners",
    "Last.fm plays per day",
]


def drawn(chart, key: str, value: str) -> pd.DataFrame:
    """The (id, day, value) points a chart draws (its gap rows, NULL values, left out)."""
    frame = pages.chart_data(chart)[0]
    frame = frame.dropna(subset=[value])
    return pd.DataFrame(
        {
            key: frame[key],
            "snapshot_date": pd.to_datetime(frame["snapshot_date"]).dt.date,
            value: frame[value].astype("int64"),
        }
    ).sort_values([key, "snapshot_date"], ignore_index=True)


def expected(built, sql: str, params, key: str, value: str) -> pd.DataFrame:
    frame = pages.marts(built, sql, params).dropna(subset=[value])
    return pd.DataFrame(
        {
            key: frame[key],
            "snapshot_date": pd.to_datetime(frame["snapshot_date"]).dt.date,
            value: frame[value].astype("int64"),
        }
    ).sort_values([key, "snapshot_date"], ignore_index=True)


def top_five_by_deezer_rank(built, day) -> list[str]:
    """The tracks the page picks by default: the five highest Deezer ranks on `day`."""
    return list(
        pages.marts(
            built,
            "select t.track_id from top_tracks t join fact_track_open_signals o "
            "on o.track_id = t.track_id and o.snapshot_date = t.snapshot_date::date "
            "where t.snapshot_date::date = ? and o.deezer_rank is not null "
            "order by o.deezer_rank desc limit 5",
            [day],
        )["track_id"]
    )


def track_signals(built, track_ids, column: str) -> pd.DataFrame:
    return expected(
        built,
        f"select t.track_id, t.snapshot_date, o.{column} from top_tracks t "  # noqa: S608
        "left join fact_track_open_signals o "
        "on o.track_id = t.track_id and o.snapshot_date = t.snapshot_date::date "
        "where t.track_id = any(?)",
        [track_ids],
        "track_id",
        column,
    )


def artist_signals(built, column: str) -> pd.DataFrame:
    return expected(
        built,
        f"select a.artist_id, a.snapshot_date, o.{column} from top_artists a "  # noqa: S608
        "left join fact_artist_open_signals o "
        "on o.artist_id = a.artist_id and o.snapshot_date = a.snapshot_date::date",
        [],
        "artist_id",
        column,
    )


def check_series(chart, key: str, title: str) -> None:
    """One series per id, each named in the legend, whole-number axis, UTC days."""
    frame = pages.chart_data(chart)[0]
    assert frame.groupby(key)["label"].nunique().max() == 1
    assert frame.groupby("label")[key].nunique().max() == 1, "two ids share a legend name"
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["color"]["field"] == "label"
    assert spec["encoding"]["color"]["legend"]["symbolLimit"] == 0
    assert spec["encoding"]["y"]["title"] == title
    assert spec["encoding"]["y"]["axis"]["format"] == ",d"
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1


def test_across_platforms_on_extended_data(sandbox_marts, monkeypatch):
    built, last = sandbox_marts, sandbox_marts.days[-1]
    at = pages.open_page(built.data_dir, PAGE, monkeypatch)
    assert at.title[0].value == "Across platforms"
    assert "Development Mode" not in pages.texts(at)
    assert [tab.label for tab in at.tabs] == TRACK_TABS + ARTIST_TABS
    charts = pages.charts(at)
    assert len(charts) == len(TRACK_TABS) + len(ARTIST_TABS) + 1

    chosen = top_five_by_deezer_rank(built, last)
    assert len(chosen) == 5
    assert at.multiselect(key="across_tracks").value == chosen
    for chart, column, title in zip(
        charts[:4], ["popularity", *signal_columns("track")], TRACK_TABS, strict=True
    ):
        check_series(chart, "track_id", title)
        if column == "popularity":
            want = expected(
                built,
                "select track_id, snapshot_date, popularity from top_tracks "
                "where track_id = any(?)",
                [chosen],
                "track_id",
                "popularity",
            )
        else:
            want = track_signals(built, chosen, column)
        assert not want.empty
        pd.testing.assert_frame_equal(drawn(chart, "track_id", column), want)

    for chart, column, title in zip(
        charts[4:8], ["popularity", *signal_columns("artist")], ARTIST_TABS, strict=True
    ):
        check_series(chart, "artist_id", title)
        if column == "popularity":
            want = expected(
                built,
                "select artist_id, snapshot_date, popularity from top_artists",
                [],
                "artist_id",
                "popularity",
            )
        else:
            want = artist_signals(built, column)
        assert want["artist_id"].nunique() == 11
        pd.testing.assert_frame_equal(drawn(chart, "artist_id", column), want)

    # The Deezer rank drawn is the raw Deezer answer's, for the Spotify track's ISRC.
    rank_chart = drawn(charts[1], "track_id", "deezer_rank")
    isrc_of = {
        row["spotify_track_id"]: row["isrc"]
        for row in read_csv(raw_path(built.data_dir, "deezer_matches", str(last)))
        if row["outcome"] == "matched"
    }
    raw_rank = {
        row["isrc"]: json.loads(row["track_json"])["rank"]
        for row in read_csv(raw_path(built.data_dir, "deezer_tracks", str(last)))
    }
    on_last = rank_chart[rank_chart["snapshot_date"] == last]
    assert len(on_last) == 5
    for track_id, rank in zip(on_last["track_id"], on_last["deezer_rank"], strict=True):
        assert raw_rank[isrc_of[track_id]] == rank

    # Movers over the 7-day window ending on the last day, by Deezer rank change.
    movers = pages.marts(
        built,
        "select t.track_label, m.deezer_rank_change, m.lastfm_plays "
        "from track_movers_open_signals_7d m join top_tracks t "
        "on t.track_id = m.track_id and t.snapshot_date::date = m.window_end_date "
        "where m.window_end_date = ? "
        "order by m.deezer_rank_change desc nulls last, m.lastfm_plays desc nulls last, "
        "t.track_label",
        [last],
    )
    shown = pages.table(at, 0)
    assert list(shown["Track"]) == list(movers["track_label"])
    assert list(shown["Deezer rank change"]) == [
        fmt.format_change(v) for v in movers["deezer_rank_change"]
    ]
    assert list(shown["Last.fm plays"]) == [fmt.format_number(v) for v in movers["lastfm_plays"]]
    artist_movers = pages.marts(
        built,
        "select deezer_fans_change, lastfm_plays from artist_movers_open_signals_7d "
        "where window_end_date = ? order by deezer_fans_change desc nulls last",
        [last],
    )
    shown = pages.table(at, 1)
    assert len(shown) == 11
    assert list(shown["Deezer fans gained"]) == [
        fmt.format_change(v) for v in artist_movers["deezer_fans_change"]
    ]

    check_match_rate(at, built)


def signal_columns(entity: str) -> list[str]:
    first = "deezer_rank" if entity == "track" else "deezer_fans"
    return [first, "lastfm_listeners", "lastfm_plays"]


def check_match_rate(at, built) -> None:
    """Per day and source: the table's numbers and the chart's percentages are the mart's."""
    rates = pages.marts(
        built,
        "select snapshot_date, source, tracks, matched, match_rate "
        "from open_signal_match_rate order by snapshot_date, source",
    )
    assert set(rates["source"]) == {"deezer", "lastfm"}
    assert len(rates) == 2 * len(built.days)
    shown = pages.table(at, 2)
    assert list(shown["Date"]) == [fmt.format_date(d) for d in rates["snapshot_date"]]
    assert list(shown["Matched"]) == [fmt.format_number(v) for v in rates["matched"]]
    assert list(shown["Match rate"]) == [f"{r:.1%}" for r in rates["match_rate"]]
    chart = pages.charts(at)[-1]
    points = pages.chart_data(chart)[0].dropna(subset=["matched_percent"])
    assert set(points["source_label"]) == {"Deezer (by ISRC)", "Last.fm (by artist and title)"}
    points = points.sort_values(["snapshot_date", "source"], ignore_index=True)
    assert list(points["matched_percent"]) == [round(r * 100) for r in rates["match_rate"]]
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["axis"]["format"] == "d"


def test_across_platforms_follows_the_artist_filter(sandbox_marts, monkeypatch):
    built = sandbox_marts
    days = built.days
    artist_id = pages.marts(
        built, "select artist_id from top_artists order by artist_name limit 1"
    )["artist_id"].iloc[0]
    setup = pages.choose([artist_id], (days[1], days[-1]))
    at = pages.open_page(built.data_dir, PAGE, monkeypatch, setup)
    charts = pages.charts(at)
    fans = drawn(charts[5], "artist_id", "deezer_fans")
    assert set(fans["artist_id"]) == {artist_id}
    assert fans["snapshot_date"].min() == days[1]
    tracks = drawn(charts[1], "track_id", "deezer_rank")
    owners = pages.marts(
        built,
        "select distinct track_id from top_tracks where artist_id = ? or tracked_artist_id = ?",
        [artist_id, artist_id],
    )
    assert set(tracks["track_id"]) <= set(owners["track_id"])
    # The match rate is per day and source, over every track: the artist filter leaves it.
    assert len(pages.table(at, 2)) == 2 * (len(days) - 1)


def test_across_platforms_on_development_mode_data(development_marts, monkeypatch):
    built, last = development_marts, development_marts.days[-1]
    at = pages.open_page(built.data_dir, PAGE, monkeypatch)
    assert "Development Mode" in pages.texts(at)
    assert [tab.label for tab in at.tabs] == TRACK_TABS[1:] + ARTIST_TABS[1:]
    charts = pages.charts(at)
    assert len(charts) == 3 + 3 + 1
    chosen = top_five_by_deezer_rank(built, last)
    pd.testing.assert_frame_equal(
        drawn(charts[0], "track_id", "deezer_rank"),
        track_signals(built, chosen, "deezer_rank"),
    )
    plays = drawn(charts[5], "artist_id", "lastfm_plays")
    assert not plays.empty
    pd.testing.assert_frame_equal(plays, artist_signals(built, "lastfm_plays"))
    check_match_rate(at, built)


def test_development_mode_shows_open_signals_where_popularity_would_be(
    development_marts, monkeypatch
):
    built, last = development_marts, development_marts.days[-1]
    at = pages.open_page(built.data_dir, "views/popularity.py", monkeypatch)
    assert "Deezer's rank" in pages.texts(at)
    chart = pages.charts(at)[0]
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["field"] == "deezer_rank"
    assert spec["encoding"]["y"]["scale"]["reverse"] is False
    points = pages.chart_data(chart)[0].dropna(subset=["deezer_rank"])
    chosen = top_five_by_deezer_rank(built, last)
    assert set(points["track_id"]) == set(chosen)
    got = pd.DataFrame(
        {
            "track_id": points["track_id"],
            "snapshot_date": pd.to_datetime(points["snapshot_date"]).dt.date,
            "deezer_rank": points["deezer_rank"].astype("int64"),
        }
    ).sort_values(["track_id", "snapshot_date"], ignore_index=True)
    pd.testing.assert_frame_equal(got, track_signals(built, chosen, "deezer_rank"))

    at = pages.open_page(built.data_dir, "views/overview.py", monkeypatch)
    assert "Last.fm's plays per day" in pages.texts(at)
    chart = pages.charts(at)[-1]
    check_series(chart, "artist_id", "Last.fm plays per day")
    plays = drawn(chart, "artist_id", "lastfm_plays")
    assert plays["artist_id"].nunique() == 11
    pd.testing.assert_frame_equal(plays, artist_signals(built, "lastfm_plays"))

    at = pages.open_page(built.data_dir, "views/artists.py", monkeypatch)
    assert "Deezer's rank" in pages.texts(at)
    fans, plays = pages.charts(at)
    check_series(fans, "artist_id", "Deezer fans")
    pd.testing.assert_frame_equal(
        drawn(fans, "artist_id", "deezer_fans"), artist_signals(built, "deezer_fans")
    )
    pd.testing.assert_frame_equal(
        drawn(plays, "artist_id", "lastfm_plays"), artist_signals(built, "lastfm_plays")
    )

    at = pages.open_page(built.data_dir, "views/top_tracks.py", monkeypatch)
    assert "Deezer's rank" in pages.texts(at)
    bars = pages.chart_data(pages.charts(at)[0])[0]
    assert json.loads(pages.charts(at)[0].proto.spec)["encoding"]["x"]["field"] == "deezer_rank"
    want = pages.marts(
        built,
        "select track_id, deezer_rank from fact_track_open_signals where snapshot_date = ?",
        [last],
    )
    assert len(bars) == 20
    assert bars["deezer_rank"].notna().sum() >= 15
    for track_id, rank in zip(bars["track_id"], bars["deezer_rank"], strict=True):
        mart = want.loc[want["track_id"] == track_id, "deezer_rank"]
        assert (pd.isna(rank) and (mart.empty or mart.isna().all())) or int(rank) == mart.iloc[0]


def test_extended_pages_keep_spotify_popularity(sandbox_marts, monkeypatch):
    at = pages.open_page(sandbox_marts.data_dir, "views/popularity.py", monkeypatch)
    assert json.loads(pages.charts(at)[0].proto.spec)["encoding"]["y"]["field"] == "popularity"
    at = pages.open_page(sandbox_marts.data_dir, "views/overview.py", monkeypatch)
    assert len(pages.charts(at)) == 1
    assert "Last.fm" not in pages.texts(at)
