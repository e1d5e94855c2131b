"""Operating the pipeline through the shared `airflow standalone` (conftest.py): the trigger form's
Params through the REST API (a date range fanned out to one run per day, a subset of the roster,
the access tier, refused values), and the failure alerts (a task failing past its retries and
runs missing their deadline) received by a local SMTP sink and a local HTTP receiver.

spotify_dbt is paused here: these tests are about spotify_ingest (the dbt side has its own).
Snapshot dates: three to five days ago (the pipeline module uses the last three days).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
from alert_receivers import SMTP_PASSWORD, SMTP_USER, WEBHOOK_TOKEN
from e2e_helpers import TIMEOUT, wait_for

from ingestion.raw_writer import raw_path, read_csv
from ingestion.roster import load_roster
from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from tooling.pipeline import logical_dates

pytestmark = pytest.mark.e2e

SPOTIFY_SECRET = "dummy-client-secret-xyz"


@pytest.fixture(autouse=True)
def _ingest_only(dag_paused):
    """These tests are about spotify_ingest: no dbt build competes with their runs."""
    dag_paused(DBT_DAG_ID, True)


@pytest.fixture
def airflow(standalone):
    return standalone


def _trigger(api, conf, logical_date=None):
    stamp = logical_date.isoformat().replace("+00:00", "Z") if logical_date else None
    return api.send(
        "POST", f"dags/{INGEST_DAG_ID}/dagRuns", json={"logical_date": stamp, "conf": conf}
    )


def _wait_for_run(api, run_id, timeout=TIMEOUT):
    """Wait until `run_id` exists and is finished (child runs appear after their trigger)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = api.send("GET", f"dags/{INGEST_DAG_ID}/dagRuns/{run_id}")
        except requests.Timeout:  # a busy api-server on a loaded machine: ask again
            response = None
        done = response is not None and response.status_code == 200
        if done and response.json()["state"] in ("success", "failed"):
            return response.json()
        assert time.monotonic() < deadline, f"{run_id} not finished after {timeout}s"
        time.sleep(2)


def _states(api, run_id):
    return {
        (ti["task_id"], ti.get("map_index", -1)): ti["state"]
        for ti in api.task_instances(INGEST_DAG_ID, run_id)
    }


def _raw(airflow, entity, day):
    return read_csv(raw_path(Path(airflow.env["DATA_DIR"]), entity, day))


def test_a_date_range_for_a_subset_in_the_development_tier_runs_one_day_per_run(airflow):
    api = airflow.client
    roster = {a.name: a.id for a in load_roster()}
    days = [d.date().isoformat() for d in logical_dates(5)[:2]]  # 4 and 3 days ago
    conf = {
        "start_date": days[0],
        "end_date": days[1],
        # One by name (any case), one by URL.
        "artists": ["dua lipa", f"https://open.spotify.com/artist/{roster['Johnny Cash']}"],
        "access_tier": "development",
    }
    response = _trigger(api, conf)
    assert response.status_code == 200, response.text
    parent = response.json()["dag_run_id"]
    run = _wait_for_run(api, parent)
    assert run["state"] == "success", api.failure_report(INGEST_DAG_ID, parent)
    states = _states(api, parent)
    assert states[("trigger_daily_runs", 0)] == states[("trigger_daily_runs", 1)] == "success"
    for task_id in ("extract_artists", "extract_top_tracks", "extract_playlists", "extract_albums"):
        assert states[(task_id, -1)] == "skipped"  # the parent extracts nothing

    selected = [roster["Dua Lipa"], roster["Johnny Cash"]]
    for day in days:
        child = _wait_for_run(api, f"{parent}__{day}")
        assert child["state"] == "success", api.failure_report(INGEST_DAG_ID, child["dag_run_id"])
        assert child["conf"]["start_date"] == child["conf"]["end_date"] == day
        artists = _raw(airflow, "artists", day)
        assert sorted(r["artist_id"] for r in artists) == sorted(selected)
        assert {r["snapshot_date"] for r in artists} == {day}
        top = _raw(airflow, "top_tracks", day)
        assert {r["tracked_artist_id"] for r in top} == set(selected)
        # Development Mode has no top-tracks endpoint: the tracks come from the search fallback.
        assert {r["source"] for r in top} == {"search"}
        albums = _raw(airflow, "albums", day)
        assert albums
        # Per tracked artist, plus the top tracks' full albums (tied to no artist: "").
        assert {r["tracked_artist_id"] for r in albums} == {*selected, ""}
        summary = json.loads(
            (Path(airflow.env["DATA_DIR"]) / "raw" / "runs" / f"{day}.json").read_text()
        )
        assert summary["tier"] == "development"
        assert summary["artists_selected"] == selected
        assert summary["rows"]["artists"] == 2
    assert not (Path(airflow.env["DATA_DIR"]) / ".staging").exists() or not any(
        (Path(airflow.env["DATA_DIR"]) / ".staging").iterdir()
    )

    # One more artist for the first day, extended tier: merged, the two others are kept.
    response = _trigger(
        api, {"start_date": days[0], "artists": ["Oasis"], "access_tier": "extended"}
    )
    assert response.status_code == 200, response.text
    run_id = response.json()["dag_run_id"]
    run = _wait_for_run(api, run_id)
    assert run["state"] == "success", api.failure_report(INGEST_DAG_ID, run_id)
    assert _states(api, run_id)[("extract_albums", -1)] == "success"
    artists = _raw(airflow, "artists", days[0])
    assert sorted(r["artist_id"] for r in artists) == sorted([*selected, roster["Oasis"]])
    top = _raw(airflow, "top_tracks", days[0])
    by_artist = {}
    for row in top:
        by_artist.setdefault(row["tracked_artist_id"], set()).add(row["source"])
    assert by_artist[roster["Oasis"]] == {"top_tracks"}  # extended: the real endpoint
    assert by_artist[roster["Dua Lipa"]] == by_artist[roster["Johnny Cash"]] == {"search"}


def test_refused_params_say_what_is_wrong(airflow):
    api = airflow.client
    # The form's JSON schema: the API refuses the trigger itself.
    response = _trigger(api, {"start_date": "25/11/2026"})
    assert response.status_code == 400, response.text
    assert "start_date" in response.text
    response = _trigger(api, {"access_tier": "premium"})
    assert response.status_code == 400, response.text
    assert "premium" in response.text

    # What a schema cannot check fails the first task, with the reason in its log.
    response = _trigger(api, {"artists": ["Dua Lipa", "Nobody Famous"]})
    assert response.status_code == 200, response.text
    run_id = response.json()["dag_run_id"]
    run = _wait_for_run(api, run_id)
    assert run["state"] == "failed"
    states = _states(api, run_id)
    assert states[("plan_run", -1)] == "failed"
    assert states[("extract_artists", -1)] == "upstream_failed"
    report = api.failure_report(INGEST_DAG_ID, run_id)
    assert "not in the roster: 'Nobody Famous'" in report, report
    ti = {t["task_id"]: t for t in api.task_instances(INGEST_DAG_ID, run_id)}["plan_run"]
    assert ti["try_number"] == 1  # a wrong form is not retried


def test_a_failing_task_and_missed_deadlines_alert_by_email_and_webhook(
    airflow, smtp_sink, webhook, outage
):
    api = airflow.client
    api.request(
        "POST",
        "connections",
        ok=(201,),
        json={
            "connection_id": "spotify_default",
            "conn_type": "http",
            "login": "dummy-client-id",
            "password": SPOTIFY_SECRET,
            "extra": json.dumps(
                {"api_base_url": outage.api_base_url, "token_url": outage.token_url}
            ),
        },
    )
    try:
        day = logical_dates(6)[0]  # 5 days ago
        run_id = api.trigger(INGEST_DAG_ID, day)
        run = api.wait_for_runs(INGEST_DAG_ID, [run_id], timeout=TIMEOUT)[run_id]
        assert run["state"] == "failed"
    finally:
        api.request("DELETE", "connections/spotify_default", ok=(204,))

    def failure_mails():
        return [
            m
            for m in smtp_sink.messages
            if run_id in m["subject"] and "extract_artists failed" in m["subject"]
        ]

    mails = wait_for(failure_mails, "failure email")
    assert len(mails) == 1  # once, after the last retry: not once per try
    mail = mails[0]
    assert sorted(mail["to"]) == ["oncall@example.org", "ops@example.org"]
    assert "Task: extract_artists (try 4)" in mail["body"]
    assert "Error: " in mail["body"]
    assert "503" in mail["body"] or "Unavailable" in mail["body"]
    assert (SMTP_USER, SMTP_PASSWORD) in smtp_sink.logins  # the connection's login was used

    posts = wait_for(
        lambda: [
            p
            for p in webhook.posts
            if run_id in p["json"]["text"] and "extract_artists failed" in p["json"]["text"]
        ],
        "failure webhook",
    )
    assert len(posts) == 1
    assert posts[0]["path"] == f"/services/{WEBHOOK_TOKEN}"
    assert posts[0]["content_type"] == "application/json"
    assert set(posts[0]["json"]) == {"text"}  # Slack-compatible

    # The deadline (1.2 s after being queued) was missed by this run: alerted too.
    deadline_mails = wait_for(
        lambda: [
            m
            for m in smtp_sink.messages
            if run_id in m["subject"] and "missed its deadline" in m["subject"]
        ],
        "deadline email",
    )
    assert "Deadline: " in deadline_mails[0]["body"]
    wait_for(
        lambda: [
            p
            for p in webhook.posts
            if run_id in p["json"]["text"] and "missed its deadline" in p["json"]["text"]
        ],
        "deadline webhook",
    )

    # No secret in any alert: the SMTP password, the webhook token, the Spotify secret.
    everything = [m["raw"] for m in smtp_sink.messages] + [p["raw"] for p in webhook.posts]
    assert everything
    for text in everything:
        for secret in (SMTP_PASSWORD, WEBHOOK_TOKEN, SPOTIFY_SECRET):
            assert secret not in text
    # ... nor in the task logs.
    log = api.task_log(INGEST_DAG_ID, run_id, "extract_artists", 4)
    for secret in (SMTP_PASSWORD, WEBHOOK_TOKEN, SPOTIFY_SECRET):
        assert secret not in log
