"""The Spotify reference material the tests check the sandbox and the parsing against: the
OpenAPI contract and real API answers, kept in the repository (ingestion/sandbox/spec/README.md
says where they come from and how to refresh them)."""

from __future__ import annotations

from pathlib import Path

SPEC_DIR = Path(__file__).resolve().parents[1] / "ingestion" / "sandbox" / "spec"
SPEC_PATH = SPEC_DIR / "fixed-spotify-open-api.yml"
REFERENCE_RESPONSES = SPEC_DIR / "reference-responses"
