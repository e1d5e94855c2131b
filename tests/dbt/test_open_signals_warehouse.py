"""The open-signal warehouse models on real sandbox output: equal to a recomputation from the
raw files, and the same whatever order Spotify's and the sources' days arrive in (a source's
day published late, after the next days, included)."""

# The SQL here is built from the module's own constants, never from input.
# ruff: noqa: S608
from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from dbt_harness import Warehouse, copy_days, snapshot_dates

from ingestion.open_signals import ENTITIES
from ingestion.raw_writer import raw_path, read_csv, source_summary_path, write_csv

MODELS = (
    "open_signal_match_rate",
    "bridge_spotify_open_signals",
    "fact_track_open_signals",
    "fact_artist_open_signals",
    "fact_album_open_signals",
    "track_movers_open_signals_7d",
    "artist_movers_open_signals_7d",
)
DAYS = snapshot_dates()[:4]


@pytest.fixture(scope="module")
def raw_days(tmp_path_factory):
    """Four sandbox days: Spotify's files, then both sources' (no credentials: the bundled
    sandbox serves all three)."""
    from ingestion.extract import extract_day
    from ingestion.open_signals import extract_open_signals

    folder = tmp_path_factory.mktemp("open-signal-raw")
    for day in DAYS:
        extract_day(day, data_dir=folder)
        for source in ENTITIES:
            extract_open_signals(day, source=source, data_dir=folder)
    return folder


def copy_source_days(source_dir, data_dir, source: str, days: list[date]) -> None:
    """A source's files of the days, then its summaries, which publish them."""
    for day in days:
        for entity in ENTITIES[source]:
            # The same name as in `source_dir` (the one its summary lists).
            listed = raw_path(source_dir, entity, day.isoformat())
            target = data_dir / listed.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(listed, target)
        target = source_summary_path(data_dir, source, day.isoformat())
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_summary_path(source_dir, source, day.isoformat()), target)


def tables(wh: Warehouse) -> dict[str, list[tuple]]:
    return {m: sorted(wh.query(f"select * from {m}"), key=repr) for m in MODELS}


@pytest.fixture(scope="module")
def all_at_once(raw_days, tmp_path_factory):
    wh = Warehouse(tmp_path_factory.mktemp("open-signals-all"))
    copy_days(raw_days, wh.data_dir, DAYS)
    for source in ENTITIES:
        copy_source_days(raw_days, wh.data_dir, source, DAYS)
    wh.build()
    return wh


def _raw(raw_days, entity: str, day: date) -> list[dict]:
    return read_csv(raw_path(raw_days, entity, day.isoformat()))


def test_match_rate_equals_the_raw_outcomes(raw_days, all_at_once):
    rows = all_at_once.query(
        "select snapshot_date, source, tracks, matched, not_found, no_isrc, malformed_isrc, "
        "bad_body, match_rate from open_signal_match_rate"
    )
    expected = []
    for day in DAYS:
        for source in ENTITIES:
            outcomes = Counter(r["outcome"] for r in _raw(raw_days, f"{source}_matches", day))
            total = sum(outcomes.values())
            counts = [outcomes[k] for k in ("matched", "not_found", "no_isrc")]
            counts += [outcomes[k] for k in ("malformed_isrc", "bad_body")]
            expected.append((day, source, total, *counts, round(outcomes["matched"] / total, 4)))
    assert sorted(rows) == sorted(expected)
    assert all(0.5 < rate < 1 for *_, rate in rows)  # some unmatched, most matched


def test_track_facts_equal_a_recomputation_from_raw(raw_days, all_at_once):
    rank, plays = {}, {}
    for day in DAYS:
        ranks = {
            r["isrc"]: json.loads(r["track_json"])["rank"]
            for r in _raw(raw_days, "deezer_tracks", day)
        }
        for m in _raw(raw_days, "deezer_matches", day):
            if m["outcome"] == "matched":
                rank[(m["spotify_track_id"], day)] = ranks[m["isrc"]]
        counts = {
            (r["artist_name"], r["track_name"]): int(
                json.loads(r["track_json"])["track"]["playcount"]
            )
            for r in _raw(raw_days, "lastfm_tracks", day)
        }
        for m in _raw(raw_days, "lastfm_matches", day):
            if m["outcome"] == "matched":
                plays[(m["spotify_track_id"], day)] = counts[(m["artist_name"], m["track_name"])]
    fact = all_at_once.query(
        "select track_id, snapshot_date, deezer_rank, deezer_rank_change, lastfm_playcount, "
        "lastfm_plays from fact_track_open_signals"
    )
    assert {(t, d) for t, d, *_ in fact} == set(rank) | set(plays)
    for track, day, deezer_rank, change, playcount, day_plays in fact:
        before = (track, day - timedelta(days=1))
        assert deezer_rank == rank.get((track, day))
        expected_change = (
            rank[(track, day)] - rank[before] if before in rank and (track, day) in rank else None
        )
        assert change == expected_change
        assert playcount == plays.get((track, day))
        if before in plays and (track, day) in plays:
            assert day_plays == plays[(track, day)] - plays[before] > 0
        else:
            assert day_plays is None
    # Every Deezer track has exactly one canonical Spotify track a day (the re-release rule).
    per_deezer = defaultdict(int)
    for deezer_id, day, canonical in all_at_once.query(
        "select deezer_track_id, snapshot_date, is_deezer_canonical "
        "from bridge_spotify_open_signals where deezer_track_id is not null"
    ):
        per_deezer[(deezer_id, day)] += canonical
    assert set(per_deezer.values()) == {1}


def test_movers_compare_the_window_ends_of_the_facts(all_at_once):
    fact = {
        (track, day): (rank, playcount)
        for track, day, rank, playcount in all_at_once.query(
            "select track_id, snapshot_date, deezer_rank, lastfm_playcount "
            "from fact_track_open_signals"
        )
    }
    movers = all_at_once.query(
        "select track_id, window_start_date, window_end_date, deezer_rank_change, lastfm_plays, "
        "deezer_direction from track_movers_open_signals_7d"
    )
    assert movers
    for track, start, end, rank_change, plays, direction in movers:
        (rank_start, count_start), (rank_end, count_end) = fact[(track, start)], fact[(track, end)]
        assert start == DAYS[0]  # four consecutive days: every window starts at the first
        if rank_start is not None and rank_end is not None:
            assert rank_change == rank_end - rank_start
            assert direction == (
                "rising" if rank_change > 0 else "falling" if rank_change < 0 else "steady"
            )
        if count_start is not None and count_end is not None:
            assert plays == count_end - count_start > 0
    expected = {(t, e) for (t, e) in fact if e != DAYS[0] and (t, DAYS[0]) in fact}
    assert {(t, e) for t, _, e, *_ in movers} == expected


def test_any_arrival_order_gives_the_same_tables(raw_days, all_at_once, tmp_path):
    """Spotify's days and each source's days arrive apart, out of order; Deezer's second day
    comes last, after the later days were built (a source day backfilled late)."""
    d1, d2, d3, d4 = DAYS
    wh = Warehouse(tmp_path / "arrivals")
    steps = [
        {"spotify": [d2, d4], "lastfm": [d4]},
        {"spotify": [d1, d3], "deezer": [d4, d1]},
        {"lastfm": [d1, d2, d3], "deezer": [d3]},
        {"deezer": [d2]},  # the late day
    ]
    for step in steps:
        copy_days(raw_days, wh.data_dir, step.get("spotify", []))
        for source in ENTITIES:
            copy_source_days(raw_days, wh.data_dir, source, step.get(source, []))
        if step == steps[-1]:
            # Before the late day: no Deezer rate for it, and no Deezer change the day after.
            assert wh.query(
                f"select count(*) from open_signal_match_rate "
                f"where source = 'deezer' and snapshot_date = '{d2}'"
            ) == [(0,)]
            assert wh.query(
                f"select count(deezer_rank_change) from fact_track_open_signals "
                f"where snapshot_date = '{d3}'"
            ) == [(0,)]
            wh.build()  # the last build complete, its data tests too
        else:
            wh.build_tables()
    assert tables(wh) == tables(all_at_once)
    changes = (
        "select count(deezer_rank_change) from fact_track_open_signals "
        f"where snapshot_date = '{d3}'"
    )
    assert wh.query(changes) != [(0,)]


def test_only_the_files_a_source_summary_lists_are_read(raw_days, all_at_once, tmp_path):
    """A re-extraction publishing its versioned files links them before its summary replaces
    the old one (and a killed one leaves them): unlisted files of a published day, here one
    with every row twice, are never read."""
    wh = Warehouse(tmp_path / "unlisted")
    copy_days(raw_days, wh.data_dir, DAYS)
    for source in ENTITIES:
        copy_source_days(raw_days, wh.data_dir, source, DAYS)
    for entity in ("deezer_matches", "lastfm_tracks"):
        listed = raw_path(wh.data_dir, entity, DAYS[1].isoformat())
        rows = read_csv(listed)
        unlisted = listed.with_name(f"{DAYS[1].isoformat()}.{'0' * 16}.csv.gz")
        write_csv(unlisted, list(rows[0]), rows + rows)
    wh.build_tables()
    assert tables(wh) == tables(all_at_once)


def test_a_source_day_published_before_files_were_listed_is_still_read(
    raw_days, all_at_once, tmp_path
):
    """A summary written before source summaries listed their files (no `files`, unversioned
    names `<entity>/<date>.csv.gz`) still publishes its day."""
    wh = Warehouse(tmp_path / "legacy")
    copy_days(raw_days, wh.data_dir, DAYS)
    for source in ENTITIES:
        copy_source_days(raw_days, wh.data_dir, source, DAYS)
    day = DAYS[2].isoformat()
    for entity in ENTITIES["deezer"]:
        listed = raw_path(wh.data_dir, entity, day)
        listed.rename(listed.with_name(f"{day}.csv.gz"))
    summary_file = source_summary_path(wh.data_dir, "deezer", day)
    summary = json.loads(summary_file.read_text())
    del summary["files"]
    summary_file.write_text(json.dumps(summary))
    wh.build_tables()
    assert tables(wh) == tables(all_at_once)


def test_a_source_day_that_is_not_whole_is_not_loaded_and_its_fix_loads_it(
    raw_days, all_at_once, tmp_path
):
    """A source's file truncated after its summary was written: the build fails on
    assert_published_days_are_whole naming the source, day, file and problem, that source's
    day is in no table while Spotify's and the other source's day load; published again
    (whole file, new summary), it loads as if never broken."""
    wh = Warehouse(tmp_path / "truncated")
    copy_days(raw_days, wh.data_dir, DAYS)
    for source in ENTITIES:
        copy_source_days(raw_days, wh.data_dir, source, DAYS)
    day = DAYS[1]
    path = raw_path(wh.data_dir, "deezer_tracks", day.isoformat())
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])

    result = wh.dbt("build")
    assert result.failed() == {"assert_published_days_are_whole"}, result.output[-4000:]
    for resource_type in ("model", "snapshot", "unit_test"):
        assert not result.failed(resource_type), result.output[-4000:]
    output = " ".join(result.output.split())
    assert (
        f"Published deezer day {day} is not whole and was not loaded: "
        f"{path.relative_to(wh.data_dir)} holds "  # as dbt names it (DATA_DIR ".")
        f"{len(whole) // 2} bytes, the run summary says {len(whole)} (truncated or rewritten). "
        f"Extract {day} again (python -m ingestion open-signals --date {day} --source deezer)."
    ) in output
    assert "Published day " not in output  # Spotify's days are whole

    def days_of(table: str) -> set[date]:
        return {d for (d,) in wh.query(f"select distinct snapshot_date from {table}")}

    for entity in ENTITIES["deezer"]:
        assert days_of(f"stg_deezer__{entity.split('_', 1)[1]}") == set(DAYS) - {day}, entity
    assert wh.query(
        f"select count(deezer_rank) from fact_track_open_signals where snapshot_date = '{day}'"
    ) == [(0,)]
    for table in ("stg_spotify__tracks", "fact_track_popularity", "stg_lastfm__tracks"):
        assert days_of(table) == set(DAYS), table
    assert wh.query(
        "select source, snapshot_date from stg_open_signals__days order by all"
    ) == sorted([("deezer", d) for d in DAYS if d != day] + [("lastfm", d) for d in DAYS])

    # Extracted again: the whole file and a new summary (a new published_at).
    path.write_bytes(whole)
    summary_file = source_summary_path(wh.data_dir, "deezer", day.isoformat())
    summary = json.loads(summary_file.read_text())
    summary_file.write_text(
        json.dumps({**summary, "published_at": "2099-01-01T00:00:00.000000+00:00"})
    )
    wh.build()
    # Equal to the reference, but for the publication times the rows record.
    unpublished = "select columns(lambda c: c not like '%published%') from {}"
    for model in MODELS:
        assert sorted(wh.query(unpublished.format(model)), key=repr) == sorted(
            all_at_once.query(unpublished.format(model)), key=repr
        ), model


def test_a_day_whose_sources_are_all_withdrawn_leaves_the_open_signal_marts(
    raw_days, all_at_once, tmp_path
):
    """Every open-signal source's summary of a day removed after the day was built, Spotify's
    kept: the day rebuilds to no open-signal row (delete+insert alone would keep the old ones),
    and the tables equal a from-scratch build of what is still published."""
    withdrawn = DAYS[1]
    wh = all_at_once.copy(tmp_path / "withdrawn")  # every day loaded by one build
    assert wh.query(
        f"select count(*) from fact_track_open_signals where snapshot_date = '{withdrawn}'"
    ) != [(0,)]
    for source in ENTITIES:
        source_summary_path(wh.data_dir, source, withdrawn.isoformat()).unlink()
    wh.build()

    scratch = Warehouse(tmp_path / "scratch")
    copy_days(raw_days, scratch.data_dir, DAYS)
    for source in ENTITIES:
        copy_source_days(raw_days, scratch.data_dir, source, [d for d in DAYS if d != withdrawn])
    scratch.build_tables()
    assert tables(wh) == tables(scratch)
    assert wh.query(
        f"select count(*) from bridge_spotify_open_signals where snapshot_date = '{withdrawn}'"
    ) == [(0,)]
