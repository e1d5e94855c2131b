"""Order independence: whatever order the same raw days arrive in, plain `dbt build` ends with
the same warehouse.

A seeded random schedule publishes four sandbox days one at a time in a shuffled order (so
gaps are filled later and days arrive late), publishes one day first with altered content and
then extracts it again (its true files, byte-identical to the reference's, but a new
published_at), leaves a half-written day (files without its run summary) in the raw layer for a
build, and rebuilds with nothing new. Another schedule publishes the days in two batches then
runs `--full-refresh`. Every fact, dimension, history model and mart must equal those of one
build of all the days at once; every snapshot must have one current version per key, holding
the current attributes.
"""

# The SQL here is built from table names the warehouse itself lists, never from input.
# ruff: noqa: S608
from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

import pytest
from dbt_harness import (
    NO_TESTS,
    Warehouse,
    copy_days,
    publish_copy,
    republish,
    reseal,
    snapshot_dates,
)

from ingestion.raw_writer import raw_path, read_csv, staged_path, summary_path, write_csv

SEED = 20261126
DAYS = 4
SNAPSHOTS = {
    "snap_spotify__artists": "artist_id",
    "snap_spotify__albums": "album_id",
    "snap_spotify__tracks": "track_id",
}
# Intermediate builds skip the data tests (Warehouse.build_tables); the last build of each
# schedule is a complete `dbt build`.


# loaded_at is the build's time.
BUILD_TIME_FREE = "columns(lambda c: c != 'loaded_at')"


def tables(wh: Warehouse) -> dict[str, list[tuple]]:
    """Every table and view and its rows, sorted (snapshots apart: their times are build times;
    so is staging's loaded_at, the build that loaded a row; and the base models, which hold the
    raw rows the last build read)."""
    with wh.connect() as con:
        names = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables order by 1"
            ).fetchall()
        ]
        return {
            name: sorted(con.sql(f"select {BUILD_TIME_FREE} from {name}").fetchall(), key=repr)
            for name in names
            if name not in SNAPSHOTS and not name.startswith("base_")
        }


def current_snapshot_rows(wh: Warehouse) -> dict[str, list[tuple]]:
    """The snapshots' current rows without dbt's columns; fails on two current rows a key."""
    found = {}
    with wh.connect() as con:
        for name, key in SNAPSHOTS.items():
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
                if not c.startswith("dbt_")
            ]
            rows = con.sql(
                f"select {', '.join(columns)} from {name} where dbt_valid_to is null"
            ).fetchall()
            keys = [row[columns.index(key)] for row in rows]
            assert len(keys) == len(set(keys)), f"{name}: two current versions of a key"
            found[name] = sorted(rows, key=repr)
    return found


def publish_altered(source: Path, data_dir: Path, day) -> None:
    """Publish `day` with other content: every top track one popularity point up, every
    artist, album and top track renamed (descriptive changes, which open versions). Its
    summary's published_at is older than the true one."""
    renamed = {"top_tracks": "track_name", "artists": "artist_name", "albums": "album_name"}
    for entity, column in (
        ("top_tracks", "track_json"),
        ("artists", "artist_json"),
        ("albums", "album_json"),
    ):
        rows = read_csv(raw_path(source, entity, day.isoformat()))
        for row in rows:
            obj = json.loads(row[column])
            if entity == "top_tracks" and obj.get("popularity") is not None:
                obj["popularity"] = min(100, obj["popularity"] + 1)
            obj["name"] = row[renamed[entity]] = obj["name"] + " (old)"
            row[column] = json.dumps(obj, separators=(",", ":"))
        target = data_dir / raw_path(source, entity, day.isoformat()).relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_csv(target, list(rows[0]), rows)
    copy_days(source, data_dir, [day], publish=False, entities=("playlist_tracks",))
    publish_copy(source, data_dir, day)
    reseal(data_dir, day)  # a whole day, of other content
    republish(data_dir, day, "2000-01-01T00:00:00.000000+00:00")


@pytest.fixture(scope="module")
def reference(raw_source, tmp_path_factory):
    wh = Warehouse(tmp_path_factory.mktemp("all-at-once"))
    days = snapshot_dates()[:DAYS]
    copy_days(raw_source["extended"], wh.data_dir, days)
    wh.build_tables()
    return {"wh": wh, "days": days, "tables": tables(wh), "snapshots": current_snapshot_rows(wh)}


def test_one_day_at_a_time_in_random_order_equals_all_at_once(reference, raw_source, tmp_path):
    source = raw_source["extended"]
    rng = random.Random(SEED)
    days = list(reference["days"])
    order = rng.sample(days, len(days))
    if order == sorted(order):  # make sure at least one day arrives late
        order.reverse()
    altered = rng.choice(days)
    wh = Warehouse(tmp_path)

    # The altered day first, then the others one build each, in random order; the altered
    # day is extracted again (true files, new published_at) at its place in the order.
    publish_altered(source, wh.data_dir, altered)
    wh.build_tables()
    assert wh.query("select count(*) from stg_spotify__days")[0][0] == 1
    for position, day in enumerate(order):
        if position == 1:
            # A half-written day: files without the run summary that publishes the day; and a
            # re-extraction of the altered day killed before publishing (its staged files).
            pending = next(d for d in order[2:] if d != altered)
            copy_days(source, wh.data_dir, [pending], publish=False)
            for entity in ("artists", "top_tracks"):
                staged = staged_path(wh.data_dir, entity, altered.isoformat())
                staged.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(raw_path(source, entity, altered.isoformat()), staged)
            wh.build_tables()
            loaded = {
                d for (d,) in wh.query("select distinct snapshot_date from stg_spotify__top_tracks")
            }
            assert pending not in loaded
            assert altered in loaded  # still its published version, whole
            renamed = wh.query(
                "select count(*) from stg_spotify__artists where artist_name like '% (old)'"
            )[0][0]
            assert renamed > 0 or order[0] == altered  # the altered one, unless redone already
        copy_days(source, wh.data_dir, [day])
        wh.build_tables()
    wh.build()  # nothing new: changes nothing, and every data test passes

    assert tables(wh) == reference["tables"]
    assert current_snapshot_rows(wh) == reference["snapshots"]
    # The altered day's content is gone everywhere: nothing keeps its old name.
    for dim, name in (("artist", "artist_name"), ("album", "album_name"), ("track", "track_name")):
        assert not wh.query(f"select 1 from dim_{dim} where {name} like '% (old)'"), dim
        assert not wh.query(
            f"select 1 from int_spotify__{dim}_versions where {name} like '% (old)'"
        ), dim
    # The snapshots recorded the rename and its undoing: more than one version per artist.
    versions = wh.query(
        "select count(*) from snap_spotify__artists group by artist_id having count(*) > 1"
    )
    assert versions


def test_batches_then_full_refresh_equal_all_at_once(reference, raw_source, tmp_path):
    source = raw_source["extended"]
    rng = random.Random(SEED + 1)
    days = rng.sample(list(reference["days"]), DAYS)
    wh = Warehouse(tmp_path)
    copy_days(source, wh.data_dir, days[:2])
    wh.build_tables()
    copy_days(source, wh.data_dir, days[2:])
    wh.build_tables()
    assert tables(wh) == reference["tables"]
    wh.build_tables("--full-refresh")
    assert tables(wh) == reference["tables"]
    assert current_snapshot_rows(wh) == reference["snapshots"]


def _break_days(data_dir: Path, truncated, missing, miscounted) -> None:
    """The issue's faults, each on a loaded day published again: a raw file cut in half, a
    day's top tracks and albums deleted, a summary counting 0 top tracks for a file of rows."""
    albums = raw_path(data_dir, "albums", truncated.isoformat())
    albums.write_bytes(albums.read_bytes()[: albums.stat().st_size // 2])
    for entity in ("top_tracks", "albums"):
        raw_path(data_dir, entity, missing.isoformat()).unlink()
    path = summary_path(data_dir, miscounted.isoformat())
    summary = json.loads(path.read_text())
    summary["rows"]["top_tracks"] = 0
    next(f for f in summary["files"] if f["entity"] == "top_tracks")["rows"] = 0
    path.write_text(json.dumps(summary))
    for day in (truncated, missing, miscounted):
        republish(data_dir, day, "2099-01-01T00:00:00.000000+00:00")


def _loaded_days(wh: Warehouse) -> dict[str, set]:
    """The snapshot dates of every table that has them (the file checks apart)."""
    with wh.connect() as con:
        names = [
            name
            for (name,) in con.sql(
                "select distinct table_name from information_schema.columns "
                "where column_name = 'snapshot_date' "
                "and table_name not like 'stg_spotify__raw_file%'"
            ).fetchall()
        ]
        return {
            n: {d for (d,) in con.sql(f"select distinct snapshot_date from {n}").fetchall()}
            for n in names
        }


def test_a_day_that_is_not_whole_is_not_loaded_and_its_fix_loads_it(
    reference, raw_source, tmp_path
):
    """Loaded days broken and published again (truncated file, missing files, a summary
    counting other rows): a plain build fails naming each day, file and problem, and leaves
    those days out of every table, equal to a from-scratch build of the same raw layer; their
    re-extraction loads them again, equal to the reference."""
    source = raw_source["extended"]
    days = list(reference["days"])
    wh = reference["wh"].copy(tmp_path / "daily")  # every day loaded by one build
    truncated, missing, miscounted = days[1], days[2], days[3]
    _break_days(wh.data_dir, truncated, missing, miscounted)

    result = wh.dbt("build")
    assert result.returncode != 0
    assert result.failed() == {"assert_published_days_are_whole"}, result.output[-4000:]
    for resource_type in ("model", "snapshot", "unit_test"):
        assert not result.failed(resource_type), result.output[-4000:]
    output = " ".join(result.output.split())
    for day, entity, problem in (
        (truncated, "albums", "bytes, the run summary says"),
        (missing, "top_tracks", "missing"),
        (missing, "albums", "missing"),
        (miscounted, "top_tracks", "rows, the run summary counts 0"),
    ):
        # As dbt names it: relative to its DATA_DIR (".", tests/dbt/dbt_harness.py).
        path = raw_path(wh.data_dir, entity, day.isoformat()).relative_to(wh.data_dir)
        assert f"Published day {day} is not whole and was not loaded: {path} " in output
        line = output.split(f"{path} ")[1]
        assert line.split(". Extract")[0].endswith(problem) or problem in line.split(".")[0]
    for table, loaded in _loaded_days(wh).items():
        if table.startswith("snap_"):
            continue  # the audit log keeps what it saw
        assert loaded <= {days[0]}, table
    assert wh.query("select count(*) from fact_track_popularity")[0][0] > 0

    scratch = Warehouse(tmp_path / "scratch")
    shutil.copytree(wh.data_dir / "raw", scratch.data_dir / "raw")
    scratch.build_tables()
    assert tables(wh) == tables(scratch)

    # Extracted again (whole files, a new summary): loaded, as if never broken.
    copy_days(source, wh.data_dir, [truncated, missing, miscounted])
    wh.build()
    assert tables(wh) == reference["tables"]


def test_a_day_published_during_a_build_waits_for_the_next_build(raw_source, tmp_path):
    """A run summary written while a build runs, between the moment stg_spotify__raw_files
    looked at the files and the moment its SQL reads the summaries: that build leaves the day
    alone (it is not 'missing' for good, as it was when `make run` published days under a
    running build), the next one checks and loads it."""
    source = raw_source["extended"]
    first, second, late = snapshot_dates()[:3]
    wh = Warehouse(tmp_path / "during")
    copy_days(source, wh.data_dir, [first, second])
    copy_days(source, wh.data_dir, [late], publish=False)  # its files, then its summary below
    script = Path(__file__).with_name("build_while_publishing.py")
    during = wh.dbt(
        "build",
        *NO_TESTS,
        program=(sys.executable, str(script), str(source), str(wh.data_dir), str(late)),
    )
    assert during.returncode == 0, during.output[-4000:]
    assert summary_path(wh.data_dir, late.isoformat()).exists()
    assert _loaded_days(wh)["stg_spotify__days"] == {first, second}
    assert wh.query("select count(*) from stg_spotify__raw_file_problems") == [(0,)]

    wh.build_tables()
    assert _loaded_days(wh)["stg_spotify__days"] == {first, second, late}
    assert wh.query("select count(*) from stg_spotify__raw_file_problems") == [(0,)]
