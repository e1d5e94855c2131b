"""Spotify artist and playlist ids: validation and normalisation of the forms people paste."""

from __future__ import annotations

import re

from ingestion.errors import InvalidArtistIdError, InvalidPlaylistIdError

_BASE62_ID = r"[0-9A-Za-z]{22}"
_ID = re.compile(rf"^{_BASE62_ID}$")


def _uri(kind: str) -> re.Pattern[str]:
    # spotify:playlist:<id>, and the older spotify:user:<user>:playlist:<id> form.
    user = r"(?:user:[^:\s]+:)?" if kind == "playlist" else ""
    return re.compile(rf"^spotify:{user}{kind}:(?P<id>{_BASE62_ID})$")


def _url(kind: str) -> re.Pattern[str]:
    # open.spotify.com links, with or without scheme, an /intl-xx/ segment or a ?si= query.
    return re.compile(
        rf"^(?:https?://)?open\.spotify\.com/(?:intl-[a-z]{{2}}(?:-[a-z]{{2}})?/)?{kind}/"
        rf"(?P<id>{_BASE62_ID})/?(?:\?.*)?$",
        re.IGNORECASE,
    )


_FORMS = {kind: (_uri(kind), _url(kind)) for kind in ("artist", "playlist")}
_EXAMPLES = {"artist": "6M2wZ9GZgrQXHCFfjv46we", "playlist": "0vvXsWCC9xrXsKd4FyS8kM"}
_ERRORS = {"artist": InvalidArtistIdError, "playlist": InvalidPlaylistIdError}


def _normalise(value: object, kind: str) -> str:
    error = _ERRORS[kind]
    if not isinstance(value, str):
        raise error(
            f"{kind} id {value!r} is not text: write the 22-character id from the {kind}'s "
            f"Spotify URL (open.spotify.com/{kind}/<id>)."
        )
    text = value.strip()
    if _ID.match(text):
        return text
    for pattern in _FORMS[kind]:
        match = pattern.match(text)
        if match:
            return match.group("id")
    raise error(
        f"{kind} id {value!r} is malformed: an id is 22 letters and digits (base 62), e.g. "
        f"{_EXAMPLES[kind]}; a spotify:{kind}: URI or an open.spotify.com/{kind}/ URL "
        "also works."
    )


def normalise_artist_id(value: object) -> str:
    """Return the bare 22-character id of an artist id, `spotify:artist:` URI or open.spotify.com
    URL; raise InvalidArtistIdError otherwise."""
    return _normalise(value, "artist")


def normalise_playlist_id(value: object) -> str:
    """Return the bare 22-character id of a playlist id, `spotify:playlist:` URI or
    open.spotify.com/playlist/ URL; raise InvalidPlaylistIdError otherwise."""
    return _normalise(value, "playlist")
