"""The dbt project end to end on real sandbox output of both tiers.

Per tier, one warehouse: five consecutive days built at once, the same days again (nothing may
change), then a sixth day together with a day extracted again (only the new day may be added to
the fact; the day extracted again is rebuilt). The fact and the attribute history are
recomputed independently from the raw CSVs; bad raw files must fail the build on the right test.
"""

# The SQL here is built from the module's own constants and dates, never from input.
# ruff: noqa: S608
from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from dbt_harness import (
    ENTITIES,
    OWN_PLAYLIST,
    PLAYLISTS,
    Warehouse,
    copy_days,
    republish,
    reseal,
    snapshot_dates,
)

from ingestion.raw_writer import raw_path
from warehouse.models import MART_MODELS, OPEN_SIGNAL_MARTS

FACT_COLUMNS = (
    "track_id, snapshot_date, date_key, album_id, artist_id, tracked_artist_id, popularity, "
    "popularity_change, top_track_rank, ranking_source"
)
SNAPSHOTS = {
    "snap_spotify__artists": "artist_id",
    "snap_spotify__albums": "album_id",
    "snap_spotify__tracks": "track_id",
}
VERSIONS = {
    "int_spotify__artist_versions": "artist_id",
    "int_spotify__album_versions": "album_id",
    "int_spotify__track_versions": "track_id",
}
SINGULAR_TESTS = {
    "assert_snapshot_versions_do_not_overlap",
    "assert_fact_track_popularity_grain",
    "assert_one_data_source",
    "assert_published_days_are_whole",
}
MARKER = 12345  # written into a loaded fact row: survives only if the row is not reprocessed


def warehouse_state(wh: Warehouse) -> dict:
    with wh.connect() as con:
        tables = [
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        ]
        return {
            "counts": {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for t in tables},
            "versions": {
                name: con.sql(
                    f"select {key}, valid_from, valid_to, attributes_hash from {name} "
                    f"order by {key}, valid_from"
                ).fetchall()
                for name, key in VERSIONS.items()
            },
            "fact": con.sql(
                f"select {FACT_COLUMNS} from fact_track_popularity order by track_id, snapshot_date"
            ).fetchall(),
        }


@pytest.fixture(scope="module", params=["extended", "development"])
def pipeline(request, raw_source, tmp_path_factory):
    tier = request.param
    wh = Warehouse(tmp_path_factory.mktemp(f"warehouse-{tier}"))
    days = snapshot_dates()
    copy_days(raw_source[tier], wh.data_dir, days[:5])

    first = wh.build()
    after_first = warehouse_state(wh)
    staging_after_first = {
        name: _staging_rows(wh, name, key) for name, key in STAGING_OF_VERSIONS.items()
    }
    wh.build_tables()
    after_rerun = warehouse_state(wh)

    # Mark a row of two loaded days, extract one of them again (byte-identical files, a new
    # published_at), and add the sixth day: only the new day and the day extracted again are
    # rebuilt, so the marker of the other stays and the one extracted again gets its true value.
    marked_day, extracted_again = days[2], days[3]
    marked, true_change = {}, {}
    with wh.connect(read_only=False) as con:
        for day in (marked_day, extracted_again):
            marked[day], true_change[day] = con.execute(
                "select track_id, popularity_change from fact_track_popularity "
                "where snapshot_date = ? order by track_id limit 1",
                [day],
            ).fetchall()[0]
            con.execute(
                "update fact_track_popularity set popularity_change = ? "
                "where snapshot_date = ? and track_id = ?",
                [MARKER, day, marked[day]],
            )
    republish(wh.data_dir, extracted_again, "2099-01-01T00:00:00.000000+00:00")
    copy_days(raw_source[tier], wh.data_dir, days[5:])
    wh.build()
    after_new_day = warehouse_state(wh)
    # The kept marker back to its true value, for the tests of the fact (the reporting marts
    # that build made keep it in one row; no test here reads their popularity_change).
    with wh.connect(read_only=False) as con:
        con.execute(
            "update fact_track_popularity set popularity_change = ? "
            "where snapshot_date = ? and track_id = ?",
            [true_change[marked_day], marked_day, marked[marked_day]],
        )
    return {
        "tier": tier,
        "wh": wh,
        "days": days,
        "first": first,
        "after_first": after_first,
        "staging_after_first": staging_after_first,
        "after_rerun": after_rerun,
        "after_new_day": after_new_day,
        "marked": (marked_day, marked[marked_day]),
        "extracted_again": (extracted_again, marked[extracted_again]),
    }


def test_first_build_runs_models_snapshots_and_tests(pipeline):
    results = pipeline["first"].results
    by_type = defaultdict(set)
    for r in results:
        resource_type = r["unique_id"].split(".")[0]
        # unit_test.<project>.<model>.<test>; other nodes: <type>.<project>.<name>[.<hash>]
        by_type[resource_type].add(r["unique_id"].split(".", 2)[2])
        if resource_type in ("model", "snapshot", "test", "unit_test"):
            assert r["status"] in ("success", "pass"), r["unique_id"]
    assert set(MART_MODELS) <= by_type["model"]
    assert (
        "fact_track_popularity.fact_track_popularity_day_over_day_change_and_best_rank"
        in (by_type["unit_test"])
    )
    assert set(SNAPSHOTS) == by_type["snapshot"]
    assert by_type["test"] >= SINGULAR_TESTS
    assert len(by_type["test"]) > 100
    assert len(by_type["unit_test"]) >= 4
    counts = pipeline["after_first"]["counts"]
    # The open-signal marts are built from Deezer's and Last.fm's days, which this warehouse
    # has none of: empty here, they are checked in test_open_signals_warehouse.py.
    for mart in MART_MODELS:
        assert (counts[mart] > 0) == (mart not in OPEN_SIGNAL_MARTS), mart
    fact_dates = {row[1] for row in pipeline["after_first"]["fact"]}
    assert fact_dates == set(pipeline["days"][:5])


def test_rerun_of_the_same_days_changes_nothing(pipeline):
    first, rerun = pipeline["after_first"], pipeline["after_rerun"]
    # The base models hold the raw rows of the days a build loads: none on a rerun (no raw file
    # is read again), every day's on the first build (no open-signal day here).
    base = {t for t in first["counts"] if t.startswith("base_")}
    assert {t: rerun["counts"][t] for t in base} == dict.fromkeys(base, 0)
    assert all(first["counts"][t] > 0 for t in base if t.startswith("base_spotify__"))
    assert {t: n for t, n in rerun["counts"].items() if t not in base} == {
        t: n for t, n in first["counts"].items() if t not in base
    }
    assert rerun["versions"] == first["versions"]
    assert rerun["fact"] == first["fact"]


def test_a_new_day_only_adds_that_day_to_the_fact(pipeline):
    days = pipeline["days"]
    before, after = pipeline["after_rerun"]["fact"], pipeline["after_new_day"]["fact"]
    marked_day, marked_track = pipeline["marked"]
    # The loaded days were not reprocessed: the marker written into one of their rows stayed
    # (the day extracted again was rebuilt from files identical to the first ones).
    old_rows = [r for r in after if r[1] != days[5]]
    expected_old = [
        (*r[:7], MARKER, *r[8:]) if (r[0], r[1]) == (marked_track, marked_day) else r
        for r in before
    ]
    assert old_rows == expected_old
    new_rows = [r for r in after if r[1] == days[5]]
    data_dir = pipeline["wh"].data_dir
    raw_tracks = [
        *_raw_rows(data_dir, "top_tracks", days[5]),
        *_raw_rows(data_dir, "playlist_tracks", days[5]),
    ]
    assert len(new_rows) == len({row["track_id"] for row in raw_tracks}) > 0


def test_a_day_extracted_again_is_rebuilt(pipeline):
    day, track = pipeline["extracted_again"]
    value = pipeline["wh"].query(
        f"select popularity_change from fact_track_popularity "
        f"where snapshot_date = '{day}' and track_id = '{track}'"
    )[0][0]
    assert value != MARKER


def test_fact_equals_an_independent_recomputation_from_raw(pipeline):
    wh = pipeline["wh"]
    actual = wh.query(
        f"select {FACT_COLUMNS} from fact_track_popularity order by track_id, snapshot_date"
    )
    expected = _recompute_fact(wh.data_dir)
    assert len(actual) == len(expected)
    assert actual == expected
    if pipeline["tier"] == "development":
        assert all(row[6] is None for row in actual)
    else:
        assert all(row[6] is not None for row in actual)
        assert any(row[7] not in (None, 0) for row in actual), "popularity never changed"


def test_snapshots_have_one_current_version_per_key_and_follow_the_history(pipeline):
    """The snapshots (an audit log of builds) are never corrupted and their current rows
    hold the current descriptive attributes of the history models."""
    wh = pipeline["wh"]
    for (name, key), versions in zip(SNAPSHOTS.items(), VERSIONS, strict=True):
        current = wh.query(
            f"select count(*), count(distinct {key}) from {name} where dbt_valid_to is null"
        )
        assert current[0][0] == current[0][1] > 0, name
        missing = wh.query(
            f"select count(*) from {versions} v left join {name} s "
            f"on s.{key} = v.{key} and s.dbt_valid_to is null "
            f"where v.is_current and s.{key} is null"
        )[0][0]
        assert missing == 0, name


# The descriptive attributes of each history model (no measurement).
VERSION_ATTRIBUTES = {
    "int_spotify__artist_versions": ("artist_name", "genres"),
    "int_spotify__album_versions": (
        "album_name",
        "album_type",
        "total_tracks",
        "release_date",
        "release_date_precision",
        "label",
        "primary_artist_id",
    ),
    "int_spotify__track_versions": (
        "track_name",
        "album_id",
        "primary_artist_id",
        "duration_ms",
        "is_explicit",
        "isrc",
        "disc_number",
        "track_number",
    ),
}
STAGING_OF_VERSIONS = {
    "int_spotify__artist_versions": "stg_spotify__artists",
    "int_spotify__album_versions": "stg_spotify__albums",
}


def _staging_rows(wh: Warehouse, versions: str, staging: str) -> list[tuple]:
    key = VERSIONS[versions]
    columns = ", ".join(VERSION_ATTRIBUTES[versions])
    return wh.query(f"select {key}, snapshot_date, {columns} from {staging}")


def _raw_track_rows(data_dir: Path, days: list[date]) -> list[tuple]:
    """(track_id, day, *tracked attributes) from the raw top tracks' and playlist tracks' JSON
    (a top track's object first), in plain Python."""
    rows = {}
    for day in days:
        # Playlist rows first: a top track's object overwrites the playlist's one.
        raw = [
            *_raw_rows(data_dir, "playlist_tracks", day),
            *_raw_rows(data_dir, "top_tracks", day),
        ]
        for row in raw:
            track = json.loads(row["track_json"])
            rows[(row["track_id"], day)] = (
                row["track_id"],
                day,
                track.get("name", row["track_name"]),
                track["album"]["id"],
                track["artists"][0]["id"],
                track.get("duration_ms"),
                track.get("explicit"),
                (track.get("external_ids") or {}).get("isrc"),
                track.get("disc_number"),
                track.get("track_number"),
            )
    return list(rows.values())


def _expected_versions(rows: list[tuple]) -> list[tuple]:
    """SCD2 versions, one per run of consecutive days with the same state, from rows
    (key, day, *attributes): every attribute carried forward from its last non-NULL value."""
    by_key = defaultdict(list)
    for key, day, *attributes in rows:
        by_key[key].append((day, [tuple(a) if isinstance(a, list) else a for a in attributes]))
    versions = []
    for key, days in by_key.items():
        state, starts = None, []
        for day, attributes in sorted(days, key=lambda d: d[0]):
            known = [
                value if value is not None else (state[i] if state else None)
                for i, value in enumerate(attributes)
            ]
            if known != state:
                starts.append(day)
            state = known
        ends = [*starts[1:], None]
        versions += [(key, start, end) for start, end in zip(starts, ends, strict=True)]
    return sorted(versions, key=lambda v: (v[0], v[1]))


def test_attribute_history_equals_an_independent_recomputation(pipeline):
    """Five days built in one go: each entity's versions are exactly those of an independent
    recomputation from the daily rows; measurements and Development Mode NULLs open none."""
    days = pipeline["days"][:5]
    expected_rows = {
        "int_spotify__track_versions": _raw_track_rows(pipeline["wh"].data_dir, days),
        **pipeline["staging_after_first"],
    }
    for versions, rows in expected_rows.items():
        actual = [
            (key, valid_from, valid_to)
            for key, valid_from, valid_to, _ in pipeline["after_first"]["versions"][versions]
        ]
        assert actual == _expected_versions(rows), versions
    tracks = pipeline["after_first"]["versions"]["int_spotify__track_versions"]
    # Popularity moves daily in the sandbox, names do not: one version per track.
    assert len(tracks) == len({row[0] for row in tracks}) > 0


# Run on one tier: the test's logic does not depend on it.
@pytest.mark.parametrize("pipeline", ["extended"], indirect=True)
def test_fact_grain_test_catches_a_doubled_and_a_missing_row(pipeline):
    wh = pipeline["wh"]
    keys = wh.query(
        "select track_id, snapshot_date from fact_track_popularity "
        "order by snapshot_date, track_id limit 2"
    )
    where = "track_id = ? and snapshot_date = ?"
    with wh.connect(read_only=False) as con:
        saved = [
            row
            for key in keys
            for row in con.execute(
                f"select * from fact_track_popularity where {where}", list(key)
            ).fetchall()
        ]
        # Double the first row, drop the second.
        con.execute(
            f"insert into fact_track_popularity select * from fact_track_popularity where {where}",
            list(keys[0]),
        )
        con.execute(f"delete from fact_track_popularity where {where}", list(keys[1]))
    try:
        result = wh.dbt("test", "--select", "assert_fact_track_popularity_grain")
        assert result.returncode != 0
        assert result.failed() == {"assert_fact_track_popularity_grain"}
        assert "Got 2 results" in result.output, result.output[-3000:]
    finally:
        with wh.connect(read_only=False) as con:
            for key in keys:
                con.execute(f"delete from fact_track_popularity where {where}", list(key))
            placeholders = ", ".join("?" * len(saved[0]))
            con.executemany(f"insert into fact_track_popularity values ({placeholders})", saved)
    assert wh.dbt("test", "--select", "assert_fact_track_popularity_grain").returncode == 0


DIMENSIONS = {
    "dim_artist": "int_spotify__artist_versions",
    "dim_album": "int_spotify__album_versions",
    "dim_track": "int_spotify__track_versions",
}


def test_dimension_validity_comes_from_the_current_attribute_version(pipeline):
    wh, days = pipeline["wh"], pipeline["days"]
    for dim, versions in DIMENSIONS.items():
        key = VERSIONS[versions]
        mismatched = wh.query(
            f"select count(*) from {dim} d join {versions} v using ({key}) "
            f"where v.is_current and (d.valid_from is distinct from v.valid_from "
            f"or d.valid_to is not null or d.version_count <> v.version_number)"
        )[0][0]
        assert mismatched == 0, dim
        versioned, dim_rows = wh.query(
            f"select count(*) filter (where version_count > 0), count(*) from {dim}"
        )[0]
        assert versioned == wh.query(f"select count(distinct {key}) from {versions}")[0][0], dim
        assert dim_rows >= versioned > 0, dim
        bounds = wh.query(f"select min(valid_from), max(valid_from) from {dim}")[0]
        assert days[0] <= bounds[0] <= bounds[1] <= days[5], (dim, bounds)
    # No descriptive attribute of a tracked artist changes in the sandbox: still the first
    # version, although popularity and followers move every day.
    starts = wh.query("select distinct valid_from from dim_artist where version_count > 0")
    assert starts == [(days[0],)], starts


def _raw_rows(data_dir: Path, entity: str, day: date | None = None) -> list[dict]:
    folder = data_dir / "raw" / entity
    files = [raw_path(data_dir, entity, day.isoformat())] if day else sorted(folder.glob("*"))
    rows = []
    for path in files:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def _recompute_fact(data_dir: Path) -> list[tuple]:
    """fact_track_popularity from the raw CSVs, in plain Python: a track of a tracked artist's
    top tracks (best rank wins) or, failing that, of a roster playlist."""
    best: dict[tuple[str, date], dict] = {}
    popularity: dict[tuple[str, date], int | None] = {}
    for row in _raw_rows(data_dir, "top_tracks"):
        day = date.fromisoformat(row["snapshot_date"])
        track = json.loads(row["track_json"])
        key = (row["track_id"], day)
        popularity[key] = track.get("popularity")
        candidate = {
            "rank": int(row["rank"]),
            "tracked_artist_id": row["tracked_artist_id"],
            "album_id": track["album"]["id"],
            "artist_id": track["artists"][0]["id"],
            "source": row["source"],
        }
        current = best.get(key)
        order = (candidate["rank"], candidate["tracked_artist_id"])
        if current is None or order < (current["rank"], current["tracked_artist_id"]):
            best[key] = candidate
    for row in _raw_rows(data_dir, "playlist_tracks"):
        day = date.fromisoformat(row["snapshot_date"])
        track = json.loads(row["track_json"])
        key = (row["track_id"], day)
        if key in best:
            continue  # in a tracked artist's top tracks: tracked through them
        popularity[key] = track.get("popularity")
        best[key] = {
            "rank": None,
            "tracked_artist_id": None,
            "album_id": track["album"]["id"],
            "artist_id": track["artists"][0]["id"],
            "source": "playlist",
        }
    rows = []
    for (track_id, day), chosen in best.items():
        today = popularity[(track_id, day)]
        yesterday = popularity.get((track_id, day - timedelta(days=1)))
        change = today - yesterday if today is not None and yesterday is not None else None
        rows.append(
            (
                track_id,
                day,
                int(day.strftime("%Y%m%d")),
                chosen["album_id"],
                chosen["artist_id"],
                chosen["tracked_artist_id"],
                today,
                change,
                chosen["rank"],
                chosen["source"],
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[1]))


# --- playlists -------------------------------------------------------------------------------


def _utc(text: str) -> datetime | None:
    return (
        datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None) if text else None
    )


def test_playlists_tracked_through_the_sandbox_reach_the_warehouse(pipeline):
    """Every raw playlist row is a fact_playlist_track row (positions, ids, added_at); a
    playlist track is in fact_track_popularity, through the playlist when no tracked artist's
    top tracks hold it, and in dim_track."""
    wh, tier, days = pipeline["wh"], pipeline["tier"], pipeline["days"]
    raw = _raw_rows(wh.data_dir, "playlist_tracks")
    expected = sorted(
        (
            r["playlist_id"],
            date.fromisoformat(r["snapshot_date"]),
            int(r["position"]),
            r["track_id"],
            _utc(r["added_at"]),
        )
        for r in raw
    )
    actual = wh.query(
        "select playlist_id, snapshot_date, position, track_id, added_at "
        "from fact_playlist_track order by all"
    )
    assert actual == expected
    # Extended: the three sandbox playlists; Development Mode: only the app user's own.
    assert {r[0] for r in actual} == (set(PLAYLISTS) if tier == "extended" else {OWN_PLAYLIST})
    assert {r[1] for r in actual} == set(days)
    first_day = [r[2] for r in actual if r[0] == OWN_PLAYLIST and r[1] == days[0]]
    assert first_day[:3] == [1, 2, 3] and len(first_day) > 50  # noqa: PT018

    top = {
        (r["track_id"], date.fromisoformat(r["snapshot_date"]))
        for r in _raw_rows(wh.data_dir, "top_tracks")
    }
    listed = {(r[3], r[1]) for r in actual}
    facts = {
        (track, day): rest
        for track, day, *rest in wh.query(
            "select track_id, snapshot_date, ranking_source, tracked_artist_id, top_track_rank "
            "from fact_track_popularity"
        )
    }
    only_listed = listed - top
    assert only_listed
    for key in only_listed:
        assert facts[key] == ["playlist", None, None], key
    ranked = "top_tracks" if tier == "extended" else "search"
    for key in listed & top:
        assert facts[key][0] == ranked, key
    assert {source for source, _, _ in facts.values()} == {ranked, "playlist"}
    tracks = {t for (t,) in wh.query("select track_id from dim_track")}
    assert {track for track, _ in listed} <= tracks
    # The top-tracks mart keeps the tracked artists' tracks only.
    in_mart = set(wh.query("select track_id, snapshot_date from top_tracks"))
    assert in_mart == {key for key in facts if key in top}


def test_days_published_before_playlists_were_tracked_have_no_playlist_file(raw_source, tmp_path):
    """A raw layer without any playlist file builds (no playlist rows); a later day with one
    adds that day's rows; the old day extracted again with playlists is loaded then."""
    source = raw_source["extended"]
    wh = Warehouse(tmp_path)
    first, second = snapshot_dates()[:2]
    without = tuple(e for e in ENTITIES if e != "playlist_tracks")
    copy_days(source, wh.data_dir, [first], entities=without)
    wh.build()
    assert not (wh.data_dir / "raw" / "playlist_tracks").exists()
    assert wh.query("select count(*) from fact_playlist_track") == [(0,)]
    assert wh.query("select distinct ranking_source from fact_track_popularity") == [
        ("top_tracks",)
    ]

    copy_days(source, wh.data_dir, [second])
    wh.build_tables()
    loaded = wh.query("select distinct snapshot_date from fact_playlist_track")
    assert loaded == [(second,)]
    assert wh.query(
        "select distinct snapshot_date from fact_track_popularity where ranking_source = 'playlist'"
    ) == [(second,)]

    copy_days(source, wh.data_dir, [first])  # extracted again, with its playlists
    republish(wh.data_dir, first, "2099-01-01T00:00:00.000000+00:00")
    wh.build_tables()
    rows = wh.query("select snapshot_date, count(*) from fact_playlist_track group by 1 order by 1")
    expected = [(day, len(_raw_rows(source, "playlist_tracks", day))) for day in (first, second)]
    assert rows == expected


# --- bad raw files ---------------------------------------------------------------------------


def _rewrite(path: Path, change) -> None:
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with gzip.open(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _popularity_150(data_dir: Path, day: date) -> None:
    def change(rows):
        track = json.loads(rows[0]["track_json"])
        track["popularity"] = 150
        rows[0]["track_json"] = json.dumps(track, separators=(",", ":"))
        return rows

    _rewrite(raw_path(data_dir, "top_tracks", day.isoformat()), change)


def _duplicated_row(data_dir: Path, day: date) -> None:
    _rewrite(raw_path(data_dir, "top_tracks", day.isoformat()), lambda rows: [rows[0], *rows])


def _missing_album(data_dir: Path, day: date) -> None:
    top = _raw_rows(data_dir, "top_tracks", day)
    album_id = json.loads(top[0]["track_json"])["album"]["id"]
    _rewrite(
        raw_path(data_dir, "albums", day.isoformat()),
        lambda rows: [r for r in rows if r["album_id"] != album_id],
    )


def _duplicated_playlist_row(data_dir: Path, day: date) -> None:
    _rewrite(raw_path(data_dir, "playlist_tracks", day.isoformat()), lambda rows: [rows[0], *rows])


def _spotify_summary(data_dir: Path, day: date) -> None:
    # The day's summary says real Spotify while its rows say sandbox: two sources seen.
    path = data_dir / "raw" / "runs" / f"{day}.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "mode": "spotify"}))


@pytest.mark.parametrize(
    ("corrupt", "failing_test"),
    [
        (_popularity_150, "popularity_in_range_stg_spotify__tracks_popularity"),
        (_duplicated_row, "raw_top_tracks_one_row_per_artist_rank_and_date"),
        (
            _missing_album,
            "relationships_fact_track_popularity_album_id__album_id__ref_dim_album_",
        ),
        (_spotify_summary, "assert_one_data_source"),
        (
            _duplicated_playlist_row,
            "raw_playlist_tracks_one_row_per_playlist_position_and_date",
        ),
    ],
    ids=["popularity_150", "duplicated_row", "missing_album", "mixed_sources", "playlist_row"],
)
def test_bad_raw_file_fails_the_build_on_the_right_test(
    corrupt, failing_test, raw_source, tmp_path
):
    wh = Warehouse(tmp_path)
    day = snapshot_dates()[0]
    copy_days(raw_source["extended"], wh.data_dir, [day])
    corrupt(wh.data_dir, day)
    reseal(wh.data_dir, day)  # bad content, but a whole day: the data tests must catch it
    result = wh.dbt("build")
    assert result.returncode != 0
    assert failing_test in result.failed(), sorted(result.failed())
    # The data is what is wrong: no model, snapshot or unit test errors; the log names the test.
    for resource_type in ("model", "snapshot", "unit_test"):
        assert not result.failed(resource_type), result.output[-4000:]
    assert f"Failure in test {failing_test}" in result.output


def test_a_daily_build_tests_the_rows_it_loaded(raw_source, tmp_path):
    """Staging tests check the rows the build loaded (`where: loaded_by_this_build`), the
    incremental marts' tests the days it loaded and the 7 after each (`where:
    days_loaded_by_this_build`), not the history: a bad row of an earlier day does not fail
    the next daily build, `dbt test` on its own (every row) finds it, and a bad new day fails
    its build."""
    wh = Warehouse(tmp_path)
    days = snapshot_dates()
    copy_days(raw_source["extended"], wh.data_dir, days[:1])
    wh.build_tables()
    loaded_first = wh.query("select distinct loaded_at from stg_spotify__tracks")
    with wh.connect(read_only=False) as con:
        con.execute("update stg_spotify__tracks set popularity = 150")
        con.execute("update fact_track_popularity set popularity = 150")
    failing = {
        "popularity_in_range_stg_spotify__tracks_popularity",
        "popularity_in_range_fact_track_popularity_popularity",
    }

    copy_days(raw_source["extended"], wh.data_dir, days[1:2])
    daily = wh.dbt("build")
    assert daily.returncode == 0, daily.output[-4000:]
    passed = {r["unique_id"].split(".")[2] for r in daily.results if r["status"] == "pass"}
    assert failing <= passed
    loaded = wh.query("select snapshot_date, loaded_at from stg_spotify__tracks group by all")
    assert len(loaded) == 2
    assert (days[0], loaded_first[0][0]) in loaded
    assert wh.query(
        "select count(*) from fact_track_popularity where popularity = 150"
    ) == wh.query(f"select count(*) from fact_track_popularity where snapshot_date = '{days[0]}'")
    # ...and the fact's test did read the day that build loaded: its compiled query finds a bad
    # row of that day.
    (compiled,) = wh.target_path.glob(
        "compiled/**/popularity_in_range_fact_track_popularity_popularity.sql"
    )
    test_sql = compiled.read_text()
    assert wh.query(f"select count(*) from ({test_sql})") == [(0,)]
    with wh.connect(read_only=False) as con:
        con.execute(
            f"update fact_track_popularity set popularity = 150 where snapshot_date = '{days[1]}'"
        )
    assert wh.query(f"select count(*) from ({test_sql})")[0][0] > 0

    # Plain `dbt test` (the two tests only: the others have nothing to find) reads every row.
    assert wh.dbt("test", "--select", *failing).failed() == failing

    copy_days(raw_source["extended"], wh.data_dir, days[2:3])
    _popularity_150(wh.data_dir, days[2])
    reseal(wh.data_dir, days[2])  # published whole, with the bad row
    # The staging test fails the day (so the fact, downstream of it, is not built that day).
    assert "popularity_in_range_stg_spotify__tracks_popularity" in wh.dbt("build").failed()


def _as_written_before_checksums(data_dir: Path, day: date) -> None:
    """The day as the raw layer held it before summaries listed their files: unversioned
    names, no `files`."""
    path = data_dir / "raw" / "runs" / f"{day}.json"
    summary = json.loads(path.read_text())
    for listed in summary.pop("files"):
        listed_path = data_dir / "raw" / listed["path"]
        listed_path.rename(listed_path.parent / f"{day}.csv.gz")
    path.write_text(json.dumps(summary))


def test_days_published_before_checksums_still_load(raw_source, tmp_path):
    """Old summaries (no file list) are loaded from their unversioned files, checked for
    presence only; one whose file is gone fails the build naming it, the other still loads."""
    wh = Warehouse(tmp_path)
    first, second = snapshot_dates()[:2]
    copy_days(raw_source["extended"], wh.data_dir, [first, second])
    for day in (first, second):
        _as_written_before_checksums(wh.data_dir, day)
    (wh.data_dir / "raw" / "albums" / f"{second}.csv.gz").unlink()
    result = wh.dbt("build")
    assert result.failed() == {"assert_published_days_are_whole"}, result.output[-4000:]
    album_file = f"raw/albums/{second}.csv.gz"  # as DATA_DIR (".") names it
    assert f"Published day {second} is not whole and was not loaded: {album_file} missing" in (
        " ".join(result.output.split())
    )
    assert wh.query("select distinct snapshot_date from fact_track_popularity") == [(first,)]
    expected = len(_raw_rows(wh.data_dir, "top_tracks", first))
    assert wh.query("select count(*) from stg_spotify__top_tracks") == [(expected,)]


def test_missing_raw_files_give_a_clear_error(tmp_path):
    wh = Warehouse(tmp_path)
    result = wh.dbt("build")
    assert result.returncode != 0
    output = " ".join(result.output.split())
    assert "No raw file matches raw/artists/*.csv.gz" in output  # DATA_DIR is "."
    assert "point DATA_DIR at the folder holding raw/ (DATA_DIR is '.')" in output


# --- docs ------------------------------------------------------------------------------------


# Docs do not depend on the tier: check them once, on the extended warehouse.
@pytest.mark.parametrize("pipeline", ["extended"], indirect=True)
def test_docs_generate_lists_every_model_with_descriptions(pipeline):
    wh = pipeline["wh"]
    result = wh.dbt("docs", "generate")
    assert result.returncode == 0, result.output[-4000:]
    catalog = json.loads((wh.target_path / "catalog.json").read_text())
    manifest = json.loads((wh.target_path / "manifest.json").read_text())
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "snapshot")
    }
    assert {node["name"] for node in models.values()} >= (
        set(MART_MODELS) | set(SNAPSHOTS) | set(VERSIONS)
    )
    for uid, node in models.items():
        assert uid in catalog["nodes"], f"{uid} missing from the catalog"
        assert node["description"].strip(), f"{uid} has no description"
        catalog_columns = set(catalog["nodes"][uid]["columns"])
        documented = {name for name, col in node["columns"].items() if col["description"].strip()}
        assert catalog_columns == documented, f"{uid}: undocumented {catalog_columns - documented}"
    for uid, source in manifest["sources"].items():
        assert source["description"].strip(), uid
        assert all(col["description"].strip() for col in source["columns"].values()), uid
    assert manifest["docs"]["doc.spotify.__overview__"]["block_contents"].strip()
    assert "exposure.spotify.spotify_dashboard" in manifest["exposures"]
    raw_sources = manifest["sources"].values()
    assert {*ENTITIES, "runs"} == {
        s["name"] for s in raw_sources if s["source_name"] == "spotify_raw"
    }


def test_every_model_past_staging_has_a_grain_test(parsed_project):
    """Each intermediate model, mart and snapshot has a data test of its grain: unique and
    not_null on one column, a unique combination of columns, or a singular `*_grain` test."""
    manifest = json.loads((parsed_project / "manifest.json").read_text())
    checked = {
        uid: node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "snapshot"
        or (node["resource_type"] == "model" and node["fqn"][1] in ("intermediate", "marts"))
    }
    unique, not_null, has_grain = defaultdict(set), defaultdict(set), set()
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test":
            continue
        kind = (test.get("test_metadata") or {}).get("name")
        for uid in test["depends_on"]["nodes"]:
            if kind == "unique":
                unique[uid].add(test["column_name"])
            elif kind == "not_null":
                not_null[uid].add(test["column_name"])
            elif kind == "unique_combination_of_columns" or test["name"].endswith("_grain"):
                has_grain.add(uid)
    without = sorted(
        name
        for uid, name in checked.items()
        if uid not in has_grain and not unique[uid] & not_null[uid]
    )
    assert len(checked) >= len(MART_MODELS) + len(SNAPSHOTS) + len(VERSIONS)
    assert without == []
