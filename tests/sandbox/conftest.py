"""Shared fixtures: sandboxes of both tiers on ephemeral ports, and a small HTTP client."""

from __future__ import annotations

import pytest
from sandbox_helpers import AS_OF, DUA_LIPA, Client

from ingestion.sandbox import SandboxServer


@pytest.fixture(scope="session")
def extended():
    with SandboxServer(tier="extended", seed=42, as_of=AS_OF) as server:
        yield server


@pytest.fixture(scope="session")
def development():
    with SandboxServer(tier="development", seed=42, as_of=AS_OF) as server:
        yield server


@pytest.fixture(scope="session")
def ext(extended) -> Client:
    return Client(extended)


@pytest.fixture(scope="session")
def dev(development) -> Client:
    return Client(development)


@pytest.fixture(scope="session")
def sample(ext) -> dict:
    """Ids of real catalogue items, found through the API itself."""
    albums = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 10, "include_groups": "album"})
    album_id = albums["items"][0]["id"]
    album = ext.ok(f"albums/{album_id}")
    return {
        "artist": DUA_LIPA,
        "album": album_id,
        "track": album["tracks"]["items"][0]["id"],
        "track_ids": [t["id"] for t in album["tracks"]["items"]],
        "album_ids": [a["id"] for a in albums["items"]],
    }
