"""The alert notifier against a local SMTP sink and a local webhook receiver (no Airflow
process: the connections come from AIRFLOW_CONN_* variables, as they may in production)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from alert_receivers import (
    SMTP_PASSWORD,
    SMTP_USER,
    WEBHOOK_TOKEN,
    SmtpSink,
    WebhookReceiver,
    smtp_connection,
)

from orchestration.alerts import (
    DEADLINE_ENV,
    PipelineAlertNotifier,
    alert_text,
    deadline_interval,
    redact,
    webhook_url,
)

SPOTIFY_SECRET = "spotify-secret-in-an-error"


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def channels(monkeypatch, smtp_sink, webhook):
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_SMTP", smtp_connection(smtp_sink, "ops@example.org"))
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_WEBHOOK",
        json.dumps({"conn_type": "http", "extra": {"url": webhook.url}}),
    )
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", SPOTIFY_SECRET)
    return smtp_sink, webhook


def _webhook_conn(webhook):
    return json.dumps({"conn_type": "http", "extra": {"url": webhook.url}})


def _task_context(error):
    ti = SimpleNamespace(
        dag_id="spotify_ingest",
        run_id="manual__2026-11-20",
        task_id="extract_artists",
        try_number=4,
        log_url="http://localhost:8080/dags/spotify_ingest/runs/manual__2026-11-20",
    )
    dag_run = SimpleNamespace(
        dag_id="spotify_ingest",
        run_id="manual__2026-11-20",
        logical_date=datetime(2026, 11, 20, 6, tzinfo=UTC),
    )
    return {"ti": ti, "dag_run": dag_run, "exception": error}


def test_a_task_failure_is_emailed_and_posted_without_any_secret(channels):
    sink, webhook = channels
    error = RuntimeError(
        f"token refused for secret {SPOTIFY_SECRET} and {SMTP_PASSWORD} at {webhook.url}\nmore"
    )
    sent = PipelineAlertNotifier("task_failure").notify(_task_context(error))
    assert sent == {"email": "ops@example.org", "webhook": "200"}

    [mail] = sink.messages
    assert mail["to"] == ["ops@example.org"]
    assert mail["subject"] == (
        "[spotify pipeline] spotify_ingest.extract_artists failed (manual__2026-11-20)"
    )
    assert mail["body"].splitlines()[:5] == [
        "A task failed after its last retry.",
        "DAG: spotify_ingest",
        "Run: manual__2026-11-20",
        "Logical date: 2026-11-20T06:00:00+00:00",
        "Task: extract_artists (try 4)",
    ]
    assert "Error: RuntimeError: token refused for secret *** and *** at ***" in mail["body"]
    assert "more" not in mail["body"]  # the error's first line only
    assert sink.logins == [(SMTP_USER, SMTP_PASSWORD)]

    [post] = webhook.posts
    assert post["content_type"] == "application/json"
    assert list(post["json"]) == ["text"]
    assert post["json"]["text"].startswith("*[spotify pipeline] spotify_ingest.extract_artists")
    assert "Task: extract_artists (try 4)" in post["json"]["text"]
    for text in (mail["raw"], post["raw"]):
        for secret in (SPOTIFY_SECRET, SMTP_PASSWORD, WEBHOOK_TOKEN):
            assert secret not in text


def test_a_missed_deadline_from_the_triggerer_context_is_sent(channels):
    sink, webhook = channels
    context = {
        "dag_run": {
            "dag_id": "spotify_dbt",
            "dag_run_id": "asset_triggered__2026-11-20",
            "logical_date": None,
            "queued_at": "2026-11-20T06:00:00Z",
            "state": "running",
        },
        "deadline": {"id": "1", "deadline_time": datetime(2026, 11, 20, 7, 30, tzinfo=UTC)},
    }
    # The triggerer calls the class with the kwargs and the context, then awaits the instance.
    notifier = PipelineAlertNotifier(kind="deadline_missed", context=context)
    asyncio.run(_await(notifier))
    [mail] = sink.messages
    assert mail["subject"] == (
        "[spotify pipeline] spotify_dbt run asset_triggered__2026-11-20 missed its deadline"
    )
    assert "Deadline: 2026-11-20T07:30:00+00:00" in mail["body"]
    assert "Queued at: 2026-11-20T06:00:00Z" in mail["body"]
    assert "State: running" in mail["body"]
    assert "missed its deadline" in webhook.posts[0]["json"]["text"]


async def _await(notifier):
    await notifier


def test_one_broken_channel_does_not_stop_the_other(monkeypatch, webhook):
    closed = {"conn_type": "smtp", "host": "127.0.0.1", "port": 1, "extra": {"to": "a@b.org"}}
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_SMTP", json.dumps(closed))
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_WEBHOOK",
        json.dumps({"conn_type": "http", "extra": {"url": webhook.url}}),
    )
    sent = PipelineAlertNotifier().notify(_task_context(ValueError("x")))
    assert sent == {"webhook": "200"}
    assert len(webhook.posts) == 1


def test_without_connections_the_alert_is_only_logged(monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_SMTP", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    with caplog.at_level("WARNING"):
        assert PipelineAlertNotifier().notify(_task_context(ValueError("x"))) == {}
    assert "alert not sent (no alerts_smtp or alerts_webhook connection)" in caplog.text


def test_webhook_url_forms():
    def conn(**kw):
        base = {"conn_type": "http", "host": None, "port": None, "schema": None, "extra": {}}
        base.update(kw)
        return SimpleNamespace(**base, extra_dejson=base["extra"])

    assert webhook_url(conn(extra={"url": "https://h/x"})) == "https://h/x"
    assert (
        webhook_url(conn(host="https://hooks.example.org/T/B")) == "https://hooks.example.org/T/B"
    )
    assert webhook_url(conn(conn_type="https", host="h.org", schema="services/T")) == (
        "https://h.org/services/T"
    )
    assert webhook_url(conn(host="127.0.0.1", port=9000)) == "http://127.0.0.1:9000"
    assert webhook_url(conn()) is None


def test_redact_and_the_deadline_setting():
    assert redact("a secret1 and secret12", ["secret1", "secret12", "", "abc"]) == "a *** and ***"
    assert deadline_interval({}) == timedelta(minutes=90)
    assert deadline_interval({DEADLINE_ENV: "2.5"}) == timedelta(minutes=2.5)
    for bad in ("soon", "0", "-3"):
        with pytest.raises(ValueError, match=DEADLINE_ENV):
            deadline_interval({DEADLINE_ENV: bad})


def test_alert_text_without_an_exception_or_log_url():
    subject, body = alert_text("task_failure", {"ti": {"dag_id": "d", "task_id": "t"}})
    assert subject == "[spotify pipeline] d.t failed (?)"
    assert "Error:" not in body


def test_no_deadline_under_airflow_dags_test_only():
    """`airflow dags test` crashes after a successful run of a DAG with a deadline
    (apache/airflow#73428): the deadline is left out there, and only there."""
    from airflow.sdk import DeadlineAlert

    from orchestration.alerts import deadline_alert

    assert (
        deadline_alert(["/venv/bin/airflow", "dags", "test", "spotify_dbt", "2026-11-20"]) is None
    )
    for argv in (["/venv/bin/airflow", "dag-processor"], ["/venv/bin/airflow", "scheduler"]):
        assert isinstance(deadline_alert(argv), DeadlineAlert)
