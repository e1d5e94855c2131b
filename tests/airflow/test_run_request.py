"""The trigger form of spotify_ingest: its JSON schema, the plan of a run, the subset merge."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from ingestion.roster import Artist, load_roster
from orchestration.run_request import RunRequestError, ingest_params, plan, select_artists

TODAY = date(2026, 11, 26)
ROSTER = [
    Artist("Dua Lipa", "6M2wZ9GZgrQXHCFfjv46we"),
    Artist("Oasis", "2DaxqgrOhkeH0fpeiQq2f4"),
    Artist("Johnny Cash", "6kACVPfCOnqzgfEF5ryl0x"),
]


def _plan(params, own=date(2026, 11, 20)):
    return plan(params, own_date=own, roster_loader=lambda: ROSTER)


def test_no_params_is_the_runs_own_date_and_whole_roster():
    planned = _plan({"artists": [], "access_tier": "auto"})
    assert planned == {"snapshot_date": "2026-11-20", "artist_ids": None, "access_tier": "auto"}
    assert _plan(None)["snapshot_date"] == "2026-11-20"

    def unread_roster():
        raise AssertionError("the roster is read by the steps, not by a whole-roster plan")

    planned = plan({}, own_date=TODAY, roster_loader=unread_roster)
    assert planned["artist_ids"] is None


def test_a_subset_and_a_tier_are_planned_for_the_runs_own_date():
    """What each run of a backfill gets: its own day, the conf's artists (roster order) and
    tier."""
    conf = {
        "artists": ["oasis", "spotify:artist:6M2wZ9GZgrQXHCFfjv46we"],
        "access_tier": "development",
    }
    planned = _plan(conf, own=date(2026, 11, 22))
    assert planned == {
        "snapshot_date": "2026-11-22",
        "artist_ids": ["6M2wZ9GZgrQXHCFfjv46we", "2DaxqgrOhkeH0fpeiQq2f4"],
        "access_tier": "development",
    }


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
    planned = plan({"artists": [roster[1].name]}, own_date=TODAY)  # ingestion/artists.yml
    assert planned["artist_ids"] == [roster[1].id]


def test_bad_tier_is_refused():
    with pytest.raises(RunRequestError, match="access_tier='premium' is not one of"):
        _plan({"access_tier": "premium"})


def test_the_form_schema_refuses_what_the_ui_must_refuse():
    params = ingest_params()

    def check(name, value):
        jsonschema.validate(value, params[name].schema, format_checker=jsonschema.FormatChecker())

    check("artists", ["Oasis", "6M2wZ9GZgrQXHCFfjv46we"])
    check("access_tier", "development")
    for name, value in [
        ("artists", "Oasis"),  # not a list
        ("artists", ["Oasis", "Oasis"]),
        ("artists", [""]),
        ("access_tier", "premium"),
    ]:
        with pytest.raises(jsonschema.ValidationError):
            check(name, value)
    # The defaults are a valid, empty form: the run's own day, whole roster, tier detected.
    assert {name: p.value for name, p in params.items()} == {"artists": [], "access_tier": "auto"}
