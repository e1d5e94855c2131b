"""The sandbox's objects have the same keys as the real ones in reference-responses/.

The references were fetched with a market (so `is_playable` instead of `available_markets`),
hence the market here too. Compared recursively, through lists' first items.
"""

from __future__ import annotations

import json

import pytest

from tests.spotify_reference import REFERENCE_RESPONSES as REFERENCE


def _shape(value, path="$") -> set[str]:
    keys = set()
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(f"{path}.{k}")
            keys |= _shape(v, f"{path}.{k}")
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        keys |= _shape(value[0], f"{path}[]")
    return keys


@pytest.mark.parametrize("kind", ["artist", "track", "album"])
def test_same_keys_as_the_real_object(ext, sample, kind):
    real = json.loads((REFERENCE / f"{kind}.json").read_text(encoding="utf-8"))
    ours = ext.ok(f"{kind}s/{sample[kind]}", {"market": "ES"})
    if kind == "track" and not ours["external_ids"]:
        # A few tracks come without an ISRC (as on Spotify): compare one that has it.
        found = (ext.ok(f"tracks/{t}", {"market": "ES"}) for t in sample["track_ids"])
        ours = next(t for t in found if t["external_ids"])
    assert set(ours) == set(real)
    assert _shape(ours) == _shape(real)
