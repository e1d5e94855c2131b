"""Helpers shared by the sandbox tests (a module of its own: conftest is not importable)."""

from __future__ import annotations

from datetime import date

import requests

from ingestion.sandbox import SandboxServer

AS_OF = date(2026, 11, 25)
DUA_LIPA = "6M2wZ9GZgrQXHCFfjv46we"
DEFAULT_TOKEN = object()  # get(): use the client's own token


class Client:
    """requests with a token, like the pipeline's client does it (Basic auth, Bearer token)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.token = self.new_token()

    def new_token(self) -> str:
        answer = self.session.post(
            self.server.token_url,
            auth=("any-client-id", "any-secret"),
            data={"grant_type": "client_credentials"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def get(self, path: str, params=None, headers=None, token: object = DEFAULT_TOKEN):
        url = path if path.startswith("http") else self.server.api_base_url + path
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = (
                f"Bearer {self.token if token is DEFAULT_TOKEN else token}"
            )
        return self.session.get(url, params=params, headers=all_headers, timeout=5)

    def ok(self, path: str, params=None, headers=None) -> dict:
        answer = self.get(path, params, headers)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
        return answer.json()
