"""Fixtures of the end-to-end modules: one `airflow standalone` shared by every module that
can share it (`standalone`), and what it talks to (an failing sandbox, an SMTP sink, a webhook
receiver).

The shared Airflow runs both DAGs, with the alert channels set and a deadline every run misses.
Its modules keep apart by snapshot date (the pipeline module: today, yesterday and two days
ago; the operating module: three to five days ago) and set the DAG states they need
(`dag_paused`). It is stopped after the last test that uses it, not at the end of the session,
so the modules after it do not share the machine with an idle Airflow.
"""

from __future__ import annotations

import json

import pytest
from airflow_client.client import ConnectionBody
from alert_receivers import SmtpSink, WebhookReceiver, smtp_connection

from ingestion.sandbox import Fault, FaultPlan, SandboxServer
from orchestration.assets import SPOTIFY_CONN_ID
from tooling.airflow_process import free_port, isolated_environment, tail
from tooling.local_airflow import LocalAirflow

STANDALONE = "standalone"
OUTAGE_SECRET = "dummy-client-secret-xyz"


@pytest.fixture(scope="session")
def outage():
    """A sandbox answering every API call with 503, for the failing runs."""
    with SandboxServer(faults=FaultPlan.of(Fault("server_error", rate=1.0, status=503))) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture(scope="session")
def webhook():
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="session")
def standalone(tmp_path_factory, smtp_sink, webhook):
    """A real `airflow standalone` on free ports, in temporary folders, both DAGs unpaused."""
    home = tmp_path_factory.mktemp("airflow_home")
    data = tmp_path_factory.mktemp("data")
    extra = {
        # Short retries for the failing runs: Airflow's delay cap, the client's attempts.
        "AIRFLOW__CORE__MAX_TASK_RETRY_DELAY": "1",
        "SPOTIFY_MAX_ATTEMPTS": "2",
        "SPOTIFY_BACKOFF_BASE": "0",
        # The alert channels, as connections given in the environment.
        "AIRFLOW_CONN_ALERTS_SMTP": smtp_connection(
            smtp_sink, "ops@example.org, oncall@example.org"
        ),
        "AIRFLOW_CONN_ALERTS_WEBHOOK": json.dumps(
            {"conn_type": "http", "extra": {"url": webhook.url}}
        ),
        # A deadline every ingest run misses (a task alone takes longer than 1.2 s to start).
        "PIPELINE_DEADLINE_MINUTES": "0.02",
    }
    instance = LocalAirflow(
        home,
        free_port(),
        data_dir=data,
        base_env=isolated_environment(),
        extra_env=extra,
        output=home / "out.log",
    )
    try:
        instance.start()
        yield instance
    except BaseException:
        print(tail(home / "out.log"))
        raise
    finally:
        instance.stop()


@pytest.fixture
def airflow(standalone):
    """The shared Airflow, under the name the modules' tests use."""
    return standalone


@pytest.fixture
def spotify_outage(standalone, outage):
    """The shared Airflow's `spotify_default` connection pointed at the failing sandbox, for
    one test; yields the connection's (fake) client secret, which nothing may show."""
    api = standalone.client
    api.connections.post_connection(
        ConnectionBody(
            connection_id=SPOTIFY_CONN_ID,
            conn_type="http",
            login="dummy-client-id",
            password=OUTAGE_SECRET,
            extra=json.dumps({"api_base_url": outage.api_base_url, "token_url": outage.token_url}),
        )
    )
    yield OUTAGE_SECRET
    api.connections.delete_connection(SPOTIFY_CONN_ID)


@pytest.fixture
def dag_paused(standalone):
    """`dag_paused(dag_id, paused)`: pause or unpause a DAG of the shared Airflow."""

    def set_paused(dag_id: str, paused: bool) -> None:
        standalone.client.set_paused(dag_id, paused)

    return set_paused


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """Stop the shared Airflow after the last test that uses it (stop() is safe to repeat)."""
    if STANDALONE not in getattr(item, "fixturenames", ()):
        return
    if nextitem is not None and STANDALONE in getattr(nextitem, "fixturenames", ()):
        return
    instance = getattr(item, "funcargs", {}).get(STANDALONE)
    if instance is not None:
        instance.stop()
