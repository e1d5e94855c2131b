"""Operating the pipeline through the shared `airflow standalone` (conftest.py): the trigger
form's Params through the REST API (a backfill of a subset of the roster in a given access tier,
one run per day, then one day done again for another artist; refused values), and the failure
alerts (a task failing past its retries and runs missing their deadline) received by a local SMTP
sink and a local HTTP receiver.

spotify_dbt is paused here: these tests are about spotify_ingest (the dbt side has its own).
Snapshot dates: three to five days ago (the pipeline module uses the last three days).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from airflow_client.client import BackfillPostBody, TriggerDAGRunPostBody
from airflow_client.client.exceptions import ApiException, NotFoundException
from alert_receivers import SMTP_PASSWORD, SMTP_USER, WEBHOOK_TOKEN
from e2e_helpers import TIMEOUT, wait_for

from ingestion.raw_writer import raw_path, read_csv
from ingestion.roster import load_roster
from orchestration.assets import DBT_DAG_ID, INGEST_DAG_ID
from tooling.pipeline import logical_dates

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _ingest_only(dag_paused):
    """These tests are about spotify_ingest: no dbt build competes with their runs."""
    dag_paused(DBT_DAG_ID, True)


def _trigger(api, conf) -> str:
    """A manual run with this form (`conf`), as the UI's Trigger button makes; its run id."""
    body = TriggerDAGRunPostBody(logical_date=None, conf=conf)
    return api.dag_runs.trigger_dag_run(INGEST_DAG_ID, body).dag_run_id


def _refused(api, conf) -> ApiException:
    with pytest.raises(ApiException) as refused:
        _trigger(api, conf)
    return refused.value


def _wait_for_run(api, run_id, timeout=TIMEOUT):
    """Wait until `run_id` is finished."""

    def finished():
        try:
            run = api.dag_runs.get_dag_run(INGEST_DAG_ID, run_id)
        except NotFoundException:
            return None
        return run if run.state in ("success", "failed") else None

    return wait_for(finished, f"{run_id} finished", timeout=timeout, poll=2)


def _states(api, run_id):
    return {
        (ti.task_id, ti.map_index if ti.map_index is not None else -1): ti.state
        for ti in api.task_instances_of(INGEST_DAG_ID, run_id)
    }


def _raw(airflow, entity, day):
    return read_csv(raw_path(Path(airflow.env["DATA_DIR"]), entity, day))


def _backfill(api, first, last, conf, reprocess="none") -> list:
    """Airflow's backfill of `first`..`last` (the daily ticks, both included) with `conf` for
    every run, as the Trigger dialog's Backfill or `airflow backfill create --dag-run-conf`
    make; its runs once they are all finished."""
    body = BackfillPostBody(
        dag_id=INGEST_DAG_ID,
        from_date=first,
        to_date=last,
        dag_run_conf=conf,
        max_active_runs=1,
        reprocess_behavior=reprocess,
    )
    backfill = api.backfills.create_backfill(body)

    def completed():  # the scheduler marks it so once its last run has finished
        return api.backfills.get_backfill(backfill.id).completed_at

    wait_for(completed, f"completed backfill {backfill.id}", timeout=TIMEOUT, poll=2)
    return api.runs(
        INGEST_DAG_ID, run_type=["backfill"], logical_date_gte=first, logical_date_lte=last
    )


def test_a_backfill_of_a_subset_in_the_development_tier_runs_one_day_per_run(airflow):
    api = airflow.client
    roster = {a.name: a.id for a in load_roster()}
    ticks = logical_dates(5)[:2]  # 4 and 3 days ago, at the schedule's 06:00
    days = [d.date().isoformat() for d in ticks]
    conf = {
        # One by name (any case), one by URL.
        "artists": ["dua lipa", f"https://open.spotify.com/artist/{roster['Johnny Cash']}"],
        "access_tier": "development",
    }
    runs = _backfill(api, ticks[0], ticks[1], conf)
    assert sorted(r.logical_date.date().isoformat() for r in runs) == days
    for run in runs:
        assert run.state == "success", api.failure_report(INGEST_DAG_ID, run.dag_run_id)
        assert run.conf == conf

    selected = [roster["Dua Lipa"], roster["Johnny Cash"]]
    for day in days:
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

    # One more artist for the first day, extended tier, its run done again: merged, the two
    # others are kept.
    conf = {"artists": ["Oasis"], "access_tier": "extended"}
    [run] = _backfill(api, ticks[0], ticks[0], conf, reprocess="completed")
    assert run.state == "success", api.failure_report(INGEST_DAG_ID, run.dag_run_id)
    assert run.conf == conf
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
    refused = _refused(api, {"artists": "Oasis"})  # not a list
    assert refused.status == 400, refused.body
    assert "artists" in refused.body
    refused = _refused(api, {"access_tier": "premium"})
    assert refused.status == 400, refused.body
    assert "premium" in refused.body

    # What a schema cannot check fails the first task, with the reason in its log.
    run_id = _trigger(api, {"artists": ["Dua Lipa", "Nobody Famous"]})
    run = _wait_for_run(api, run_id)
    assert run.state == "failed"
    states = _states(api, run_id)
    assert states[("plan_run", -1)] == "failed"
    assert states[("extract_artists", -1)] == "upstream_failed"
    report = api.failure_report(INGEST_DAG_ID, run_id)
    assert "not in the roster: 'Nobody Famous'" in report, report
    ti = {t.task_id: t for t in api.task_instances_of(INGEST_DAG_ID, run_id)}["plan_run"]
    assert ti.try_number == 1  # a wrong form is not retried


def test_a_failing_task_and_missed_deadlines_alert_by_email_and_webhook(
    airflow, smtp_sink, webhook, spotify_outage
):
    api = airflow.client
    day = logical_dates(6)[0]  # 5 days ago
    run_id = api.trigger(INGEST_DAG_ID, day)
    run = api.wait_for_runs(INGEST_DAG_ID, [run_id], timeout=TIMEOUT)[run_id]
    assert run.state == "failed"

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
        for secret in (SMTP_PASSWORD, WEBHOOK_TOKEN, spotify_outage):
            assert secret not in text
    # ... nor in the task logs.
    log = api.task_log(INGEST_DAG_ID, run_id, "extract_artists", 4)
    for secret in (SMTP_PASSWORD, WEBHOOK_TOKEN, spotify_outage):
        assert secret not in log
