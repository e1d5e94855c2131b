"""Spotify artist ids: validation and normalisation of the forms people paste."""

from __future__ import annotations

import re

from ingestion.errors import InvalidArtistIdError

_BASE62_ID = r"[0-9A-Za-z]{22}"
_ID = re.compile(rf"^{_BASE62_ID}$")
_URI = re.compile(rf"^spotify:artist:(?P<id>{_BASE62_ID})$")
# open.spotify.com links, with or without scheme, an /intl-xx/ segment or a ?si= query.
_URL = re.compile(
    rf"^(?:https?://)?open\.spotify\.com/(?:intl-[a-z]{{2}}(?:-[a-z]{{2}})?/)?artist/"
    rf"(?P<id>{_BASE62_ID})/?(?:\?.*)?$",
    re.IGNORECASE,
)


def normalise_artist_id(value: object) -> str:
    """Return the bare 22-character id of an artist id, `spotify:artist:` URI or open.spotify.com
    URL; raise InvalidArtistIdError otherwise."""
    if not isinstance(value, str):
        raise InvalidArtistIdError(
            f"artist id {value!r} is not text: write the 22-character id from the artist's "
            "Spotify URL (open.spotify.com/artist/<id>)."
        )
    text = value.strip()
    if _ID.match(text):
        return text
    for pattern in (_URI, _URL):
        match = pattern.match(text)
        if match:
            return match.group("id")
    raise InvalidArtistIdError(
        f"artist id {value!r} is malformed: an id is 22 letters and digits (base 62), e.g. "
        "6M2wZ9GZgrQXHCFfjv46we; a spotify:artist: URI or an open.spotify.com/artist/ URL "
        "also works."
    )


def is_spotify_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))
