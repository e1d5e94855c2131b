"""A local SMTP sink (aiosmtpd) and a local webhook receiver (http.server) on 127.0.0.1 free
ports, recording what the alert notifier sends."""

from __future__ import annotations

import html
import json
import re
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tooling.airflow_process import free_port

SMTP_USER = "alerts-user"
SMTP_PASSWORD = "smtp-Pa55word-never-shown"
WEBHOOK_TOKEN = "T0KEN-in-the-webhook-url"


def smtp_connection(sink: SmtpSink, to: str) -> str:
    """The `alerts_smtp` connection (JSON, for AIRFLOW_CONN_ALERTS_SMTP) to `sink`, mailing
    `to`. The sink speaks plain SMTP: no SSL, no STARTTLS (the SMTP provider's extras)."""
    extra = {
        "to": to,
        "from_email": "airflow@example.org",
        "disable_ssl": True,
        "disable_tls": True,
    }
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": sink.port,
            "login": SMTP_USER,
            "password": SMTP_PASSWORD,
            "extra": extra,
        }
    )


class SmtpSink:
    """aiosmtpd on 127.0.0.1, requiring AUTH (plain text, no TLS) with the test password."""

    def __init__(self) -> None:
        self.messages: list = []
        self.logins: list[tuple[str, str]] = []
        self.port = free_port()
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=False,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (SMTP_USER, SMTP_PASSWORD))

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(message["Subject"]).strip(),
                "body": _text(message),
                "raw": envelope.content.decode("utf-8", "replace"),
            }
        )
        return "250 OK"


def _text(message) -> str:
    """The mail's text: its plain part, else its HTML part without the tags."""
    part = message.get_body(preferencelist=("plain", "html"))
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return content


class WebhookReceiver:
    """A JSON POST receiver on 127.0.0.1 (what a Slack incoming webhook receives)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                posts.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "raw": body.decode("utf-8", "replace"),
                        "json": json.loads(body),
                    }
                )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/{WEBHOOK_TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
