"""The roster of tracked artists and playlists (`ingestion/artists.yml`, or $ARTISTS_FILE).

`artists:` is required; `playlists:` is optional (each entry an id, `spotify:playlist:` URI or
open.spotify.com/playlist/ URL, or a mapping `{id: ..., name: ...}` whose name is for humans).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingestion.errors import InvalidArtistIdError, InvalidPlaylistIdError, RosterError
from ingestion.ids import normalise_artist_id, normalise_playlist_id

DEFAULT_ARTISTS_FILE = Path(__file__).with_name("artists.yml")


@dataclass(frozen=True)
class Artist:
    name: str
    id: str


@dataclass(frozen=True)
class Playlist:
    id: str
    name: str = ""  # optional, for humans and messages

    @property
    def label(self) -> str:
        """How messages name it: `'Name' (id)`, or the id alone."""
        return f"'{self.name}' ({self.id})" if self.name else self.id


def resolve_artists_file(artists_file: str | os.PathLike | None = None) -> Path:
    """The argument, else $ARTISTS_FILE, else the packaged roster."""
    chosen = artists_file or os.environ.get("ARTISTS_FILE") or DEFAULT_ARTISTS_FILE
    return Path(chosen)


HINT = "expected `artists:` followed by a list of `- {name: ..., id: ...}`"


def _read_roster(path: Path) -> dict[str, Any]:
    """The roster file's YAML mapping, with an `artists:` key (clear errors otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RosterError(
            f"artists file {path} does not exist: pass --artists FILE or set ARTISTS_FILE "
            "to an existing YAML roster."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(
            f"artists file {path} cannot be read ({exc.__class__.__name__})."
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        raise RosterError(f"artists file {path} is not valid YAML{at}: fix it ({HINT}).") from None
    if not isinstance(data, dict) or "artists" not in data:
        raise RosterError(f"artists file {path} has no `artists:` key: {HINT}.")
    return data


def load_roster(artists_file: str | os.PathLike | None = None) -> list[Artist]:
    path = resolve_artists_file(artists_file)
    hint = HINT
    entries = _read_roster(path)["artists"]
    if not isinstance(entries, list) or not entries:
        raise RosterError(f"artists file {path} lists no artists: {hint}.")

    roster: list[Artist] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise RosterError(f"artists file {path}, entry {number} is not a mapping: {hint}.")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RosterError(f"artists file {path}, entry {number} has no `name`: add one.")
        if "id" not in entry:
            raise RosterError(f"artists file {path}, entry {number} ({name}) has no `id`: add one.")
        _check_quoted(entry["id"], f"artists file {path}, entry {number} ({name})", "artist")
        try:
            artist_id = normalise_artist_id(entry["id"])
        except InvalidArtistIdError as exc:
            raise InvalidArtistIdError(
                f"artists file {path}, entry {number} ({name}): {exc}"
            ) from None
        if artist_id in seen:
            raise RosterError(
                f"artists file {path}: id {artist_id} is listed twice (entries {seen[artist_id]} "
                f"and {number}): remove the duplicate."
            )
        seen[artist_id] = number
        roster.append(Artist(name=name.strip(), id=artist_id))
    return roster


def load_playlists(artists_file: str | os.PathLike | None = None) -> list[Playlist]:
    """The roster's optional `playlists:` list (empty when the key is absent)."""
    path = resolve_artists_file(artists_file)
    entries = _read_roster(path).get("playlists")
    hint = (
        "expected `playlists:` followed by a list of playlist ids, spotify:playlist: URIs or "
        "open.spotify.com/playlist/ URLs (or `- {id: ..., name: ...}`)"
    )
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise RosterError(f"artists file {path}: `playlists:` is not a list: {hint}.")
    playlists: list[Playlist] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"artists file {path}, playlist {number}"
        name = ""
        value = entry
        if isinstance(entry, dict):
            if "id" not in entry:
                raise RosterError(f"{where} has no `id`: add one ({hint}).")
            value, name = entry["id"], entry.get("name") or ""
            if not isinstance(name, str):
                raise RosterError(f"{where}: `name` must be text.")
        elif not isinstance(entry, str):
            _check_quoted(entry, where, "playlist")
            raise RosterError(f"{where} is neither an id nor a mapping: {hint}.")
        _check_quoted(value, where, "playlist")
        try:
            playlist_id = normalise_playlist_id(value)
        except InvalidPlaylistIdError as exc:
            problem = str(exc)
            if _is_artist(value):
                problem = f"{value!r} is an artist, not a playlist: list it under `artists:`."
            raise InvalidPlaylistIdError(f"{where}: {problem}") from None
        if playlist_id in seen:
            raise RosterError(
                f"artists file {path}: playlist {playlist_id} is listed twice (playlists "
                f"{seen[playlist_id]} and {number}): remove the duplicate."
            )
        seen[playlist_id] = number
        playlists.append(Playlist(id=playlist_id, name=name.strip()))
    return playlists


def _check_quoted(value: object, where: str, kind: str) -> None:
    """YAML reads an unquoted id made of digits (or digits and an `e`) as a number, and may
    drop its leading zeros: say to quote it rather than that a number is not text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        error = InvalidArtistIdError if kind == "artist" else InvalidPlaylistIdError
        raise error(
            f"{where}: the id {value!r} was read as a number: quote it, exactly as in the "
            f"{kind}'s Spotify URL (YAML reads unquoted digits as a number, and 0123 as 83)."
        )


def _is_artist(value: object) -> bool:
    try:
        normalise_artist_id(value)
    except InvalidArtistIdError:
        return False
    return True
