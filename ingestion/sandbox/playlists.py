"""Playlists of the simulated catalogue, and their items on a given day.

Two kinds, both evolving from day to day as a pure function of (seed, playlist, track, day):

- `chart`: the `size` most popular visible tracks of its pool that day, most popular first (so
  tracks enter, leave and move as popularity moves); rebuilt daily, so `added_at` is the day.
- `curated`: each track of the pool has its own cycle (120-360 days, its own phase); in each
  cycle a curator may keep it for a stretch of that cycle (drawn per cycle), so tracks are added
  and removed over time, and a new release can be added the day it comes out. Items are in the
  order they were added, except the week's "spotlight" track, moved to the top each week.

Development Mode (February 2026): an app may read the items of a playlist only if its user owns
it (or collaborates on it). The sandbox's app acts for the user `APP_USER_ID`: its playlists are
readable; another user's playlist is served without `items` and `GET .../items` answers 403;
Spotify's own editorial playlists answer 404, as they do for apps created since late 2024.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ingestion.sandbox.catalogue import ORIGIN, DateView
from ingestion.sandbox.ids import between, h64, unit

APP_USER_ID = "sandbox-app-user"  # the user the sandbox's app acts for
EDITORIAL_OWNER_ID = "spotify"


@dataclass(frozen=True)
class SandboxPlaylist:
    id: str
    name: str
    description: str
    owner_id: str
    owner_name: str
    kind: str  # "chart" or "curated"
    pool: tuple[str, ...]  # kinds of artists ("roster", "guest") whose tracks it draws from
    size: int  # chart: its length; curated: unused
    rate: float  # curated: share of the pool's tracks kept in a given cycle
    followers: int


PLAYLISTS: tuple[SandboxPlaylist, ...] = (
    SandboxPlaylist(
        "0vvXsWCC9xrXsKd4FyS8kM",  # the real Lofi Girl playlist's id
        "lofi hip hop music - beats to relax/study to",
        "The perfect study beats, twenty four seven.",
        "lofigirl",
        "Lofi Girl",
        "curated",
        ("guest",),
        0,
        0.25,
        7_800_000,
    ),
    SandboxPlaylist(
        "37i9dQZF1DXcBWIGoYBM5M",  # the real Today's Top Hits id (an editorial playlist)
        "Today's Top Hits",
        "The hottest 50. Updated daily.",
        EDITORIAL_OWNER_ID,
        "Spotify",
        "chart",
        ("roster", "guest"),
        50,
        0.0,
        34_500_000,
    ),
    SandboxPlaylist(
        "5dIdB7pSaQEfQeePzeGVTN",  # sandbox-only
        "Pipeline Picks",
        "Tracked artists, picked by the app's own user.",
        APP_USER_ID,
        "Sandbox App",
        "curated",
        ("roster",),
        0,
        0.13,
        12,
    ),
)
PLAYLISTS_BY_ID = {p.id: p for p in PLAYLISTS}


@dataclass(frozen=True)
class Member:
    track_id: str
    added_at: str  # ISO 8601 UTC, e.g. 2026-11-20T14:03:09Z


def readable_in_development(playlist: SandboxPlaylist) -> bool:
    return playlist.owner_id == APP_USER_ID


def members(view: DateView, playlist: SandboxPlaylist) -> list[Member]:
    """The playlist's tracks on the view's day, in playlist order (memoised per day)."""
    memo = view.memo.setdefault("playlists", {})
    found = memo.get(playlist.id)
    if found is None:
        found = _chart(view, playlist) if playlist.kind == "chart" else _curated(view, playlist)
        memo[playlist.id] = found
    return found


def snapshot_id(view: DateView, playlist: SandboxPlaylist) -> str:
    """Changes when, and only when, the items or their order change (like Spotify's)."""
    ids = [m.track_id for m in members(view, playlist)]
    seed = view.catalogue.seed
    return f"{h64(seed, playlist.id, *ids):016x}{h64(seed, 'snap', playlist.id, *ids):016x}"


def _pool(view: DateView, playlist: SandboxPlaylist):
    catalogue = view.catalogue
    artists = catalogue.artists
    return [
        t
        for t in list(catalogue.tracks.values())
        if t.release_day <= view.n and artists[t.artist_ids[0]].kind in playlist.pool
    ]


def _timestamp(day: int, *parts: object) -> str:
    when = ORIGIN + timedelta(days=day)
    seconds = h64(*parts) % 86_400
    return f"{when.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def _chart(view: DateView, playlist: SandboxPlaylist) -> list[Member]:
    ranked = sorted(_pool(view, playlist), key=lambda t: (-view.track_popularity(t), t.id))
    day = f"{view.day.isoformat()}T00:00:00Z"
    return [Member(t.id, day) for t in ranked[: playlist.size]]


def _curated(view: DateView, playlist: SandboxPlaylist) -> list[Member]:
    s, n, key = view.catalogue.seed, view.n, playlist.id
    kept: list[tuple[int, int, str]] = []  # (added day, tie-break, track id)
    for track in _pool(view, playlist):
        cycle_days = between(120, 360, s, key, track.id, "cycle")
        phase = h64(s, key, track.id, "phase") % cycle_days
        cycle = (n + phase) // cycle_days
        if unit(s, key, track.id, "keep", cycle) >= playlist.rate:
            continue
        start = cycle * cycle_days - phase + between(0, cycle_days // 3, s, key, track.id, cycle)
        end = start + between(cycle_days // 3, cycle_days * 2 // 3, s, key, track.id, "len", cycle)
        added = max(start, track.release_day)  # a new release is added when it comes out
        if added <= n < end:
            kept.append((added, h64(s, key, track.id, "slot"), track.id))
    kept.sort()
    order = [(added, track_id) for added, _, track_id in kept]
    if order:
        # The week's spotlight goes to the top: a reorder that moves every other position.
        week = n // 7
        spot = min(range(len(order)), key=lambda i: h64(s, key, "spotlight", week, order[i][1]))
        order.insert(0, order.pop(spot))
    return [Member(t, _timestamp(added, s, key, t, added)) for added, t in order]
