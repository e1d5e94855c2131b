"""The roster of tracked artists (`ingestion/artists.yml`, or $ARTISTS_FILE)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingestion.errors import InvalidArtistIdError, RosterError
from ingestion.ids import normalise_artist_id

DEFAULT_ARTISTS_FILE = Path(__file__).with_name("artists.yml")


@dataclass(frozen=True)
class Artist:
    name: str
    id: str


def resolve_artists_file(artists_file: str | os.PathLike | None = None) -> Path:
    """The argument, else $ARTISTS_FILE, else the packaged roster."""
    chosen = artists_file or os.environ.get("ARTISTS_FILE") or DEFAULT_ARTISTS_FILE
    return Path(chosen)


def load_roster(artists_file: str | os.PathLike | None = None) -> list[Artist]:
    path = resolve_artists_file(artists_file)
    hint = "expected `artists:` followed by a list of `- {name: ..., id: ...}`"
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
        raise RosterError(f"artists file {path} is not valid YAML{at}: fix it ({hint}).") from None
    if not isinstance(data, dict) or "artists" not in data:
        raise RosterError(f"artists file {path} has no `artists:` key: {hint}.")
    entries = data["artists"]
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
