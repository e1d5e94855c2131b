"""The trigger form of spotify_ingest: its JSON schema, the plan of a run, the subset merge."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from ingestion.raw_writer import (
    ALBUM_COLUMNS,
    ARTIST_COLUMNS,
    raw_path,
    read_csv,
    staged_path,
    write_csv,
)
from ingestion.roster import Artist, load_roster
from orchestration.run_request import (
    MAX_RANGE_DAYS,
    RunRequestError,
    ingest_params,
    merge_subset,
    plan,
    select_artists,
    snapshot_dates,
)

TODAY = date(2026, 11, 26)
ROSTER = [
    Artist("Dua Lipa", "6M2wZ9GZgrQXHCFfjv46we"),
    Artist("Oasis", "2DaxqgrOhkeH0fpeiQq2f4"),
    Artist("Johnny Cash", "6kACVPfCOnqzgfEF5ryl0x"),
]


def _plan(params, own=date(2026, 11, 20)):
    return plan(params, own_date=own, run_id="manual__x", roster_loader=lambda: ROSTER, today=TODAY)


def test_no_params_is_the_runs_own_date_and_whole_roster():
    planned = _plan({"start_date": None, "end_date": None, "artists": [], "access_tier": "auto"})
    assert planned == {
        "dates": ["2026-11-20"],
        "fan_out": False,
        "snapshot_date": "2026-11-20",
        "artist_ids": None,
        "access_tier": "auto",
        "children": [],
    }
    assert _plan(None)["snapshot_date"] == "2026-11-20"

    def unread_roster():
        raise AssertionError("the roster is read by the steps, not by a whole-roster plan")

    planned = plan({}, own_date=TODAY, run_id="r", roster_loader=unread_roster, today=TODAY)
    assert planned["artist_ids"] is None


def test_a_range_fans_out_one_child_run_per_day_with_the_same_subset_and_tier():
    planned = _plan(
        {
            "start_date": "2026-11-22",
            "end_date": "2026-11-24",
            "artists": ["oasis", "spotify:artist:6M2wZ9GZgrQXHCFfjv46we"],
            "access_tier": "development",
        }
    )
    assert planned["fan_out"] is True
    assert planned["snapshot_date"] is None
    assert planned["dates"] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    assert planned["artist_ids"] == [
        "6M2wZ9GZgrQXHCFfjv46we",
        "2DaxqgrOhkeH0fpeiQq2f4",
    ]  # roster order
    assert [c["trigger_run_id"] for c in planned["children"]] == [
        "manual__x__2026-11-22",
        "manual__x__2026-11-23",
        "manual__x__2026-11-24",
    ]
    first = planned["children"][0]
    assert first["run_after"] == "2026-11-22T06:00:00+00:00"
    assert first["conf"] == {
        "start_date": "2026-11-22",
        "end_date": "2026-11-22",
        "artists": ["6M2wZ9GZgrQXHCFfjv46we", "2DaxqgrOhkeH0fpeiQq2f4"],
        "access_tier": "development",
    }
    # A child's conf, planned again, is a one-day extraction of that day.
    child = _plan(first["conf"], own=date(2026, 11, 26))
    assert (child["fan_out"], child["snapshot_date"]) == (False, "2026-11-22")
    assert child["artist_ids"] == planned["artist_ids"]


def test_one_day_range_extracts_that_day_in_the_run_itself():
    planned = _plan({"start_date": "2026-11-02"})
    assert (planned["fan_out"], planned["snapshot_date"]) == (False, "2026-11-02")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-11-24", "2026-11-22", "end_date 2026-11-22 is before start_date 2026-11-24"),
        (None, "2026-11-22", "end_date=2026-11-22 without a start_date"),
        ("2026-11-25", "2026-11-27", "end_date 2026-11-27 is in the future (today is 2026-11-26"),
        ("2026-11-31", None, "start_date='2026-11-31' is not a date"),
        ("2026-01-01", "2026-11-26", f"more than {MAX_RANGE_DAYS} per trigger"),
    ],
)
def test_bad_ranges_are_refused_saying_what_to_change(start, end, message):
    with pytest.raises(RunRequestError) as error:
        snapshot_dates(start, end, TODAY, today=TODAY)
    assert message in str(error.value)


def test_unknown_artists_are_all_named_with_the_roster():
    with pytest.raises(RunRequestError) as error:
        select_artists(["Oasis", "Nobody", "0000000000000000000000", "not an id!"], ROSTER)
    text = str(error.value)
    assert "not in the roster: 'Nobody', '0000000000000000000000', 'not an id!'" in text
    assert "Dua Lipa, Oasis, Johnny Cash" in text
    assert select_artists([], ROSTER) is None
    url = "https://open.spotify.com/intl-de/artist/6kACVPfCOnqzgfEF5ryl0x?si=abc"
    assert select_artists([url, " JOHNNY cash "], ROSTER) == ["6kACVPfCOnqzgfEF5ryl0x"]


def test_the_real_roster_is_the_default():
    roster = load_roster()
    planned = plan(
        {"artists": [roster[1].name]}, own_date=TODAY, run_id="r", today=TODAY
    )  # no roster_loader: ingestion/artists.yml
    assert planned["artist_ids"] == [roster[1].id]


def test_bad_tier_is_refused():
    with pytest.raises(RunRequestError, match="access_tier='premium' is not one of"):
        _plan({"access_tier": "premium"})


def test_the_form_schema_refuses_what_the_ui_must_refuse():
    params = ingest_params()

    def check(name, value):
        jsonschema.validate(value, params[name].schema, format_checker=jsonschema.FormatChecker())

    check("start_date", "2026-11-20")
    check("start_date", None)
    check("artists", ["Oasis", "6M2wZ9GZgrQXHCFfjv46we"])
    check("access_tier", "development")
    for name, value in [
        ("start_date", "20/11/2026"),
        ("end_date", "2026-11-20T06:00"),
        ("artists", "Oasis"),  # not a list
        ("artists", ["Oasis", "Oasis"]),
        ("artists", [""]),
        ("access_tier", "premium"),
    ]:
        with pytest.raises(jsonschema.ValidationError):
            check(name, value)
    # The defaults are a valid, empty form: today's run, whole roster, tier detected.
    assert {name: p.value for name, p in params.items()} == {
        "start_date": None,
        "end_date": None,
        "artists": [],
        "access_tier": "auto",
    }


def _row(columns, **values):
    return {c: values.get(c, "") for c in columns}


def test_a_subset_merge_replaces_the_selected_artists_rows_and_keeps_the_others(tmp_path):
    day = "2026-11-20"
    data, staged = tmp_path / "data", tmp_path / "staged"
    old = [
        _row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A", artist_name="old A"),
        _row(ARTIST_COLUMNS, snapshot_date=day, artist_id="B", artist_name="old B"),
    ]
    write_csv(raw_path(data, "artists", day), ARTIST_COLUMNS, old)
    write_csv(
        staged_path(staged, "artists", day),
        ARTIST_COLUMNS,
        [_row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A", artist_name="new A")],
    )
    assert merge_subset("artists", day, ["A"], staged_dir=staged, data_dir=data) == 2
    rows = {r["artist_id"]: r["artist_name"] for r in read_csv(staged_path(data, "artists", day))}
    assert rows == {"A": "new A", "B": "old B"}

    # Albums: the selected artist's rows are replaced; the shared full-album rows (no tracked
    # artist) are replaced by key, the others kept; nothing is duplicated.
    def album(album_id, tracked, source, name):
        return _row(
            ALBUM_COLUMNS,
            snapshot_date=day,
            album_id=album_id,
            tracked_artist_id=tracked,
            source=source,
            album_name=name,
        )

    write_csv(
        raw_path(data, "albums", day),
        ALBUM_COLUMNS,
        [
            album("x", "A", "artist_albums", "old"),
            album("y", "B", "artist_albums", "old"),
            album("x", "", "album", "old"),
            album("y", "", "album", "old"),
        ],
    )
    write_csv(
        staged_path(staged, "albums", day),
        ALBUM_COLUMNS,
        [album("z", "A", "artist_albums", "new"), album("x", "", "album", "new")],
    )
    merge_subset("albums", day, ["A"], staged_dir=staged, data_dir=data)
    rows = {
        (r["album_id"], r["tracked_artist_id"], r["source"]): r["album_name"]
        for r in read_csv(staged_path(data, "albums", day))
    }
    assert rows == {
        ("z", "A", "artist_albums"): "new",
        ("y", "B", "artist_albums"): "old",
        ("x", "", "album"): "new",
        ("y", "", "album"): "old",
    }


def test_a_subset_of_a_day_not_extracted_yet_is_the_day_file(tmp_path):
    day = "2026-11-21"
    staged = tmp_path / "staged"
    write_csv(
        staged_path(staged, "artists", day),
        ARTIST_COLUMNS,
        [_row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A")],
    )
    merge_subset("artists", day, ["A"], staged_dir=staged, data_dir=tmp_path / "data")
    merged = read_csv(staged_path(tmp_path / "data", "artists", day))
    assert [r["artist_id"] for r in merged] == ["A"]
