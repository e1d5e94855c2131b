"""The dashboard's number formatters."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from dashboard import formatting as fmt
from dashboard.labels import artist_labels, track_labels


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (96_300_000, "96.3 M"),
        (96_349_999, "96.3 M"),
        (1_000_000, "1 M"),
        (999_950, "1 M"),  # rounds up into the next unit, never '1000 K'
        (2_450, "2.5 K"),
        (815, "815"),
        (0, "0"),
        (3_200_000_000, "3.2 B"),
        (-1_500, "-1.5 K"),
        (None, "—"),
        (math.nan, "—"),
        (pd.NA, "—"),
    ],
)
def test_format_count(value, expected):
    assert fmt.format_count(value) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (237_000, "3:57"),
        (236_600, "3:57"),
        (59_000, "0:59"),
        (3_725_000, "1:02:05"),
        (None, "—"),
        (np.nan, "—"),
    ],
)
def test_format_duration_ms(ms, expected):
    assert fmt.format_duration_ms(ms) == expected


def test_format_duration_minutes():
    assert fmt.format_duration_minutes(3.95) == "3:57"
    assert fmt.format_duration_minutes(61.05) == "1:01:03"
    assert fmt.format_duration_minutes(None) == "—"


def test_percent_number_and_change():
    assert fmt.format_percent(0.25) == "25 %"
    assert fmt.format_percent(1 / 3, 1) == "33.3 %"
    assert fmt.format_number(12_345) == "12,345"
    assert fmt.format_number(71.6) == "72"
    assert fmt.format_number(2.25, 1) == "2.2"
    assert fmt.format_number(pd.NA) == "—"
    assert fmt.format_change(3) == "+3"
    assert fmt.format_change(-2.0) == "-2"
    assert fmt.format_change(0) == "±0"
    assert fmt.format_change(None) == "—"


def test_dates_and_ages():
    assert fmt.format_date("2026-11-25") == "25 Nov 2026"
    assert fmt.format_date(dt.date(2026, 1, 5)) == "5 Jan 2026"
    assert fmt.format_date("2019") == "2019"  # a release date of year precision stays as is
    assert fmt.format_timestamp("2026-11-25T06:10:00Z") == "25 Nov 2026, 06:10 UTC"
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    assert fmt.format_age("2026-11-25T11:59:30Z", now) == "just now"
    assert fmt.format_age("2026-11-25T11:15:00Z", now) == "45 min ago"
    assert fmt.format_age("2026-11-25T06:10:00Z", now) == "5 h ago"
    assert fmt.format_age("2026-11-24T06:10:00Z", now) == "1 day ago"
    assert fmt.format_age(dt.date(2026, 11, 20), now) == "5 days ago"
    assert fmt.format_age(None, now) == "—"


def test_format_list():
    assert fmt.format_list(["pop", "synth-pop"]) == "pop, synth-pop"
    assert fmt.format_list(np.array(["afrobeats"])) == "afrobeats"
    assert fmt.format_list("indie rock") == "indie rock"
    assert fmt.format_list([]) == "—"
    assert fmt.format_list(None) == "—"


def test_labels_name_every_entity_once():
    tracks = pd.DataFrame(
        {
            "track_id": ["a", "b", "c", "d", "e"],
            "track_label": ["Céu Azul · CBJr", "Céu Azul · CBJr", "Fuego · BB", "Fuego · BB", "X"],
            "album_name": ["Acústico", "Imunidade", "Single", "Single", "Y"],
            "release_date": ["2003-01-01", "2007-05-01", "2019", "2021-02-02", "2020"],
        }
    )
    assert list(track_labels(tracks)) == [
        "Céu Azul · CBJr · from Acústico",
        "Céu Azul · CBJr · from Imunidade",
        "Fuego · BB · from Single, 2019",
        "Fuego · BB · from Single, 2021",
        "X",
    ]
    same = pd.DataFrame({"artist_id": ["1", "2", "3"], "artist_name": ["Nova", "Nova", "Kai"]})
    assert list(artist_labels(same)) == ["Nova (id 1)", "Nova (id 2)", "Kai"]
