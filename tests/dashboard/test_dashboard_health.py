"""The "Pipeline health" page through Streamlit's AppTest: run summaries, dbt build history
(recorded by the real `warehouse.run_results` path) and source freshness."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from dashboard_pipeline import APP
from dashboard_synthetic import build_synthetic_marts
from streamlit.testing.v1 import AppTest

from ingestion.raw_writer import ARTIST_COLUMNS, RAW_ENTITIES, raw_path, write_csv
from warehouse.dbt_runner import DbtRun, NodeResult
from warehouse.run_results import record

PAGE = "views/pipeline_health.py"
TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [(TODAY - dt.timedelta(days=n)).isoformat() for n in (3, 2, 1)]


def _summary(day, *, requests, retries, rate_limited, skipped=(), selected=()):
    return {
        "snapshot_date": day,
        "tier": "extended",
        "mode": "sandbox",
        "rows": {"artists": 11, "top_tracks": 110, "albums": 87},
        "requests": {"artists": 1},
        "requests_total": requests,
        "retries": retries,
        "rate_limited": rate_limited,
        "skipped_artists": [{"id": s, "reason": "gone"} for s in skipped],
        "duration_seconds": 4.25,
        "extracted_at": f"{day}T06:00:10Z",
        **({"artists_selected": list(selected)} if selected else {}),
    }


def _node(unique_id, status, *, failures=None, message=None):
    kind, _, name = unique_id.split(".")[:3]
    return NodeResult(unique_id, name, kind, status, 0.5, failures=failures, message=message)


@pytest.fixture
def health_data(tmp_path):
    root = build_synthetic_marts(tmp_path)
    for entity in ("artists", "top_tracks", "albums"):
        for day in DAYS[:2]:
            write_csv(raw_path(root, entity, day), ARTIST_COLUMNS, [])
    # The last day: the artists step ran, the run stopped before its summary.
    write_csv(raw_path(root, "artists", DAYS[2]), ARTIST_COLUMNS, [])
    runs = root / "raw" / "runs"
    runs.mkdir(parents=True)
    (runs / f"{DAYS[0]}.json").write_text(
        json.dumps(_summary(DAYS[0], requests=40, retries=3, rate_limited=2, skipped=["x"]))
    )
    (runs / f"{DAYS[1]}.json").write_text(
        json.dumps(_summary(DAYS[1], requests=35, retries=0, rate_limited=0, selected=["a", "b"]))
    )
    warehouse = root / "warehouse" / "spotify.duckdb"
    builds = [
        (
            "inv-old",
            dt.datetime.fromisoformat(f"{DAYS[0]}T06:20:00"),
            [
                _node("model.spotify.fact_track_popularity", "success"),
                _node("test.spotify.unique_fact.1", "fail", failures=3, message="3 duplicates"),
                _node("test.spotify.not_null_fact.2", "pass", failures=0),
            ],
        ),
        (
            "inv-new",
            dt.datetime.fromisoformat(f"{DAYS[1]}T16:23:00"),
            [
                _node("model.spotify.fact_track_popularity", "success"),
                _node("test.spotify.unique_fact.1", "pass", failures=0),
                _node("test.spotify.not_null_fact.2", "pass", failures=0),
            ],
        ),
    ]
    for invocation, finished_at, nodes in builds:
        run = DbtRun(["build"], True, nodes, invocation_id=invocation, finished_at=finished_at)
        record(run, duckdb_path=warehouse, marts_dir=root / "marts")
    return root


def _open(monkeypatch, data_dir) -> AppTest:
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_the_health_page_shows_runs_builds_tests_and_freshness(monkeypatch, health_data):
    at = _open(monkeypatch, health_data)
    assert at.title[0].value == "Pipeline health"
    assert _metrics(at) == {
        "Days shown": "3",
        "Incomplete days": "1",
        "Retries": "3",
        "HTTP 429 answers": "2",
        "Last build": "success",
        "Models": "1 built",
        "Data tests": "2 passed",
    }

    runs = at.dataframe[0].value
    assert list(runs["Snapshot date"]) == [DAYS[2], DAYS[1], DAYS[0]]  # newest first
    assert list(runs["Status"]) == [
        "incomplete (no run summary)",
        "complete",
        "complete, artists skipped",
    ]
    oldest = runs.iloc[2]
    assert (oldest["Artists"], oldest["Top tracks"], oldest["Albums"]) == (11, 110, 87)
    assert (oldest["API requests"], oldest["Retries"], oldest["429s"]) == (40, 3, 2)
    assert oldest["Duration (s)"] == 4.25
    assert oldest["Skipped artists"] == "x"  # named, not counted

    builds = at.dataframe[1].value
    assert list(builds["Invocation"]) == ["inv-new", "inv-old"]
    assert list(builds["Status"]) == ["success", "failed"]
    assert list(builds["Data tests"]) == ["2 passed", "1 passed, 1 failed"]
    # UTC, 24-hour, with the date (the chart read "04:23" for 16:23 UTC).
    new, old = (dt.date.fromisoformat(d) for d in DAYS[1::-1])
    built_at = [f"{new.day} {new:%b %Y}, 16:23 UTC", f"{old.day} {old:%b %Y}, 06:20 UTC"]
    assert list(builds["Built at"]) == built_at

    chart = at.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    bars = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()
    assert list(dict.fromkeys(bars[spec["encoding"]["x"]["field"]])) == built_at[::-1]
    assert spec["encoding"]["x"]["title"] == "Build (UTC)"
    scale = spec["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colours == {"pass": "#2e7d32", "fail": "#c62828"}  # pass green, fail red
    assert list(builds["Models"]) == ["1 built", "1 built"]

    failing = at.dataframe[2].value
    assert list(failing["name"]) == ["unique_fact"]
    assert list(failing["failures"]) == [3]
    assert list(failing["message"]) == ["3 duplicates"]

    fresh = at.dataframe[3].value
    by_source = fresh.set_index("source")
    assert by_source.loc["raw/artists", "newest_snapshot"] == DAYS[2]
    assert by_source.loc["raw/artists", "age_days"] == 1
    assert by_source.loc["raw/artists", "state"] == "fresh"
    assert by_source.loc["raw/albums", "newest_snapshot"] == DAYS[1]
    assert by_source.loc["raw/albums", "age_days"] == 2
    assert by_source.loc["raw/albums", "state"] == "stale"
    assert by_source.loc["raw/albums", "days_on_disk"] == 2
    # The synthetic warehouse's export ends on its own last day.
    assert by_source.loc["raw/albums", "in_warehouse_up_to"] == "2026-11-25"


def test_the_health_page_before_any_run_or_build(monkeypatch, tmp_path):
    root = build_synthetic_marts(tmp_path)
    at = _open(monkeypatch, root)
    texts = " ".join(str(i.value) for i in at.info)
    assert "No ingestion run yet" in texts
    assert "No dbt build recorded yet" in texts
    fresh = at.dataframe[0].value
    assert list(fresh["state"]) == ["missing"] * len(RAW_ENTITIES)  # one row per raw entity
