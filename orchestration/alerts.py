"""Failure alerts: an Airflow notifier sending an email and a webhook POST.

`PipelineAlertNotifier` is both DAGs' task `on_failure_callback` (a task failing past its
retries) and the callback of their `DeadlineAlert` (a run still unfinished some time after it
was queued, see `deadline_alert`). Where it sends is configured by two Airflow connections,
set in the UI, the REST API, or the environment (`AIRFLOW_CONN_<ID>`, a URI or JSON):

* `alerts_smtp` (email, sent by the SMTP provider's `SmtpNotifier`): an SMTP connection of the
  provider (host, port, login, password; extras `from_email`, `disable_ssl`, `disable_tls`,
  `timeout`) plus extra `to` (comma-separated recipients). E.g. STARTTLS on port 587:
  `AIRFLOW_CONN_ALERTS_SMTP='smtp://user:pass@smtp.example.org:587?to=ops%40example.org&disable_ssl=true'`
* `alerts_webhook` (a JSON POST of `{"text": ...}`, which Slack incoming webhooks, Mattermost,
  Rocket.Chat, Teams workflows and most chat tools accept): the URL in extra `url`, or as the
  host. E.g. `AIRFLOW_CONN_ALERTS_WEBHOOK='{"conn_type": "http", "extra": {"url": "https://hooks.slack.com/services/..."}}'`

Neither set: the alert is only logged. A channel that fails is logged and does not stop the
other one. No secret is ever in a message: the text holds ids, states, dates and the error's
first line, from which every known secret (the connections' passwords and URLs, the Spotify
client secret) is removed; the webhook URL itself (which holds a token) is never logged.
"""

from __future__ import annotations

import html
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseNotifier

from orchestration.assets import SPOTIFY_CONN_ID

log = logging.getLogger(__name__)

SMTP_CONN_ID = "alerts_smtp"
WEBHOOK_CONN_ID = "alerts_webhook"
DEADLINE_ENV = "PIPELINE_DEADLINE_MINUTES"
DEFAULT_DEADLINE_MINUTES = 90.0
REDACTED = "***"


def deadline_interval(env: Mapping[str, str] | None = None) -> timedelta:
    """How long after being queued a run may take before the deadline alert fires
    ($PIPELINE_DEADLINE_MINUTES, default 90). Read when the DAG file is parsed."""
    env = os.environ if env is None else env
    raw = env.get(DEADLINE_ENV) or str(DEFAULT_DEADLINE_MINUTES)
    try:
        minutes = float(raw)
    except ValueError:
        raise ValueError(f"{DEADLINE_ENV}={raw!r} is not a number of minutes, e.g. 90") from None
    if minutes <= 0:
        raise ValueError(f"{DEADLINE_ENV}={raw!r} must be more than 0 minutes")
    return timedelta(minutes=minutes)


def deadline_alert(argv: list[str] | None = None):
    """The DAGs' `deadline=`: alert when a run is not finished `deadline_interval()` after it
    was queued (Airflow 3 deadline alerts; the callback runs in the triggerer).

    None under `airflow dags test`: Airflow 3.3.2 ends such a run, successful as it is, with
    "AttributeError: 'dict' object has no attribute 'hex'" and a non-zero exit for any DAG with
    a deadline (apache/airflow#73428, open). A debugging run needs no deadline alert; the
    scheduler, the api-server and the workers parse the DAGs with it.
    """
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    argv = sys.argv if argv is None else argv
    if os.path.basename(argv[0]) == "airflow" and argv[1:3] == ["dags", "test"]:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=deadline_interval(),
        callback=AsyncCallback(PipelineAlertNotifier, kwargs={"kind": "deadline_missed"}),
        name="pipeline_deadline",
    )


# --- the message ------------------------------------------------------------------------------
def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def alert_text(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """`(subject, body)` of an alert, from a task's context (task failure) or the triggerer's
    small context (`{"dag_run": {...}, "deadline": {...}}`, deadline missed)."""
    dag_run = context.get("dag_run")
    ti = context.get("ti") or context.get("task_instance")
    dag_id = _get(dag_run, "dag_id") or _get(ti, "dag_id") or "?"
    run_id = _get(dag_run, "run_id") or _get(dag_run, "dag_run_id") or _get(ti, "run_id") or "?"
    lines = [f"DAG: {dag_id}", f"Run: {run_id}"]
    logical = _text(_get(dag_run, "logical_date"))
    if logical:
        lines.append(f"Logical date: {logical}")
    if kind == "deadline_missed":
        deadline = context.get("deadline") or {}
        subject = f"[spotify pipeline] {dag_id} run {run_id} missed its deadline"
        lines.insert(0, "A run is still not finished past its deadline.")
        lines.append(f"Deadline: {_text(_get(deadline, 'deadline_time'))}")
        lines.append(f"Queued at: {_text(_get(dag_run, 'queued_at'))}")
        lines.append(f"State: {_get(dag_run, 'state')}")
    else:
        task_id = _get(ti, "task_id") or "?"
        subject = f"[spotify pipeline] {dag_id}.{task_id} failed ({run_id})"
        lines.insert(0, "A task failed after its last retry.")
        lines.append(f"Task: {task_id} (try {_get(ti, 'try_number')})")
        error = context.get("exception")
        if error is not None:
            first = (str(error).strip().splitlines() or [""])[0][:500]
            lines.append(f"Error: {type(error).__name__}: {first}")
        url = _get(ti, "log_url")
        if url:
            lines.append(f"Log: {url}")
    return subject, "\n".join(lines)


# --- the channels -----------------------------------------------------------------------------
def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    except Exception as error:  # a broken secrets backend must not hide the alert's log line
        log.warning("connection %s unreadable: %s", conn_id, type(error).__name__)
        return None


def webhook_url(conn: Any) -> str | None:
    extra = conn.extra_dejson or {}
    if extra.get("url"):
        return str(extra["url"])
    host = conn.host or ""
    if "://" in host:
        return host
    if not host:
        return None
    scheme = "https" if (conn.conn_type or "").lower() == "https" else "http"
    port = f":{conn.port}" if conn.port else ""
    path = f"/{conn.schema.lstrip('/')}" if conn.schema else ""
    return f"{scheme}://{host}{port}{path}"


def known_secrets(smtp: Any, webhook: Any) -> list[str]:
    """Every secret a message could leak: the connections' passwords, the webhook URL, the
    Spotify client secret (connection `spotify_default` or $SPOTIFY_CLIENT_SECRET)."""
    secrets = [os.environ.get("SPOTIFY_CLIENT_SECRET", "")]
    for conn in (smtp, webhook, _connection(SPOTIFY_CONN_ID)):
        if conn is not None:
            secrets.append(conn.password or "")
    if webhook is not None:
        secrets.append(webhook_url(webhook) or "")
    return [s for s in secrets if s]


def send_email(conn: Any, subject: str, body: str, context: Any = None) -> list[str]:
    """Send the alert with the SMTP provider's `SmtpNotifier` through connection `conn` (its
    host, port, login, password and extras: `disable_ssl`, `disable_tls`, `from_email`,
    `timeout`); the recipients are the connection extra's `to`."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    extra = conn.extra_dejson or {}
    recipients = [a.strip() for a in str(extra.get("to") or "").split(",") if a.strip()]
    if not recipients:
        raise ValueError(f"connection {conn.conn_id} has no `to` in its extra: add the recipients")
    sender = str(extra.get("from_email") or extra.get("from") or conn.login or "airflow@localhost")
    notifier = SmtpNotifier(
        to=recipients,
        from_email=sender,
        subject=subject,
        # Given whole (nothing left to render): the text is never read as a Jinja template.
        html_content=f"<pre>{html.escape(body)}</pre>",
        smtp_conn_id=conn.conn_id,
    )
    notifier.notify(context or {})
    return recipients


def post_webhook(url: str, subject: str, body: str, *, timeout: float = 30) -> int:
    import requests

    payload = {"text": f"*{subject}*\n{body}"}
    response = requests.post(url, json=payload, timeout=timeout)
    if response.status_code >= 400:
        raise RuntimeError(f"the webhook answered HTTP {response.status_code}")
    return response.status_code


class PipelineAlertNotifier(BaseNotifier):
    """Email (`alerts_smtp`) and webhook (`alerts_webhook`) alert on a failure or a missed
    deadline. `kind`: `task_failure` or `deadline_missed`."""

    def __init__(
        self,
        kind: str = "task_failure",
        *,
        smtp_conn_id: str = SMTP_CONN_ID,
        webhook_conn_id: str = WEBHOOK_CONN_ID,
        context: Any = None,
    ) -> None:
        super().__init__(context=context)
        self.kind = kind
        self.smtp_conn_id = smtp_conn_id
        self.webhook_conn_id = webhook_conn_id

    def notify(self, context: Any) -> dict[str, str]:
        smtp = _connection(self.smtp_conn_id)
        webhook = _connection(self.webhook_conn_id)
        subject, body = alert_text(self.kind, context)
        secrets = known_secrets(smtp, webhook)
        subject, body = redact(subject, secrets), redact(body, secrets)
        sent: dict[str, str] = {}
        if smtp is None and webhook is None:
            log.warning(
                "alert not sent (no %s or %s connection): %s",
                SMTP_CONN_ID,
                WEBHOOK_CONN_ID,
                subject,
            )
        if smtp is not None:
            try:
                to = send_email(smtp, subject, body, context)
                sent["email"] = ", ".join(to)
                log.info("alert emailed to %s: %s", sent["email"], subject)
            except Exception as error:
                log.error(
                    "alert email failed: %s", redact(f"{type(error).__name__}: {error}", secrets)
                )
        if webhook is not None:
            url = webhook_url(webhook)
            try:
                if not url:
                    raise ValueError(f"connection {self.webhook_conn_id} has no URL")
                status = post_webhook(url, subject, body)
                sent["webhook"] = str(status)
                log.info("alert posted to the %s webhook: %s", self.webhook_conn_id, subject)
            except Exception as error:
                log.error(
                    "alert webhook failed: %s", redact(f"{type(error).__name__}: {error}", secrets)
                )
        return sent

    async def async_notify(self, context: Any) -> None:
        # The deadline callback runs in the triggerer's event loop; connection look-ups and
        # smtplib block, so they run in a thread (asgiref, as Airflow's own triggers do).
        from asgiref.sync import sync_to_async

        await sync_to_async(self.notify)(context)
