"""Checks on the API's responses before anything is built from them.

A response without the fields the raw layer keys on raises MalformedResponseError, so a run
fails before writing rather than storing rows that cannot be joined.
"""

from __future__ import annotations

from typing import Any

from ingestion.errors import MalformedResponseError


def require_object(obj: Any, kind: str, *fields: str) -> dict[str, Any]:
    """A response object must be a JSON object with the fields the raw layer keys on."""
    if not isinstance(obj, dict):
        raise MalformedResponseError(
            f"the API returned a {kind} that is not a JSON object: the response is malformed; "
            "run again later, and report it if it persists.",
            endpoint=kind,
        )
    for name in fields or ("id", "name"):
        if not isinstance(obj.get(name), str) or not obj.get(name):
            shown = obj.get("id") if isinstance(obj.get("id"), str) else "?"
            raise MalformedResponseError(
                f"the API returned a {kind} (id {shown}) without its required field "
                f"'{name}': the response is malformed; nothing was written; run again later.",
                endpoint=kind,
            )
    return obj


def require_page(body: Any, kind: str, key: str | None = None) -> dict[str, Any]:
    """A paged response (or the page under `key`, as /search nests it) must list its items."""
    page = body.get(key) if key and isinstance(body, dict) else body
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise MalformedResponseError(
            f"the API returned a {kind} page without an 'items' list: the response is "
            "malformed; nothing was written; run again later.",
            endpoint=kind,
        )
    return page


def require_list(body: Any, key: str, kind: str) -> list[Any]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise MalformedResponseError(
            f"the API's {kind} response has no '{key}' list: the response is malformed; "
            "nothing was written; run again later.",
            endpoint=kind,
        )
    return items


def require_track(obj: Any) -> dict[str, Any]:
    """A track must also name its album: the albums step fetches the top tracks' albums."""
    track = require_object(obj, "track")
    require_object(track.get("album"), "track's album", "id")
    return track
