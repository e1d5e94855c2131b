"""Where the shared Spotify reference material lives: `../shared/spotify-web-api` beside the
repository (as on the development machines and in CI), or `SPOTIFY_REFERENCE_DIR`."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_API_DIR = Path(
    os.environ.get("SPOTIFY_REFERENCE_DIR") or REPO.parent / "shared" / "spotify-web-api"
)
SPEC_PATH = SHARED_API_DIR / "fixed-spotify-open-api.yml"
REFERENCE_RESPONSES = SHARED_API_DIR / "reference-responses"

if not SPEC_PATH.is_file():
    raise FileNotFoundError(
        f"the Spotify reference material is not at {SHARED_API_DIR}: put the shared folder "
        "beside the repository (../shared/spotify-web-api) or set SPOTIFY_REFERENCE_DIR"
    )
