from __future__ import annotations

import contextlib

import pytest

from ingestion.sandbox import SandboxServer


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """The suite must not depend on (or leak) the developer's environment."""
    for name in [
        "SPOTIFY_CLIENT_ID",
        "SPOTIFY_CLIENT_SECRET",
        "SPOTIFY_ACCESS_TIER",
        "SPOTIFY_API_BASE_URL",
        "SPOTIFY_TOKEN_URL",
        "SPOTIFY_MAX_RETRY_AFTER",
        "SPOTIFY_REQUESTS_PER_30S",
        "SPOTIFY_MAX_WORKERS",
        "SPOTIFY_REQUEST_TIMEOUT",
        "SPOTIFY_MAX_ATTEMPTS",
        "SPOTIFY_BACKOFF_BASE",
        "ARTISTS_FILE",
        "DATA_DIR",
    ]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sandbox():
    """Factory: start a SandboxServer with the given arguments; all are stopped afterwards."""
    with contextlib.ExitStack() as stack:

        def start(**kwargs) -> SandboxServer:
            return stack.enter_context(SandboxServer(**kwargs))

        yield start


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder whose writes fail (read-only file system or permission denied)."""
    from tests.read_only import read_only_folder

    with read_only_folder(tmp_path / "read-only") as folder:
        yield folder
