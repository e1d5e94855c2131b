"""The context of one extraction run: snapshot date, access tier, client and worker pool.

`open_run` validates the date, connects (starting the offline sandbox when there are no
credentials) and yields a `Run`, which the fetchers and row builders read and the steps
summarise.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from ingestion import paths
from ingestion.client import SpotifyClient, Transport
from ingestion.errors import SnapshotDateError, TierError
from ingestion.settings import SPOTIFY_API_BASE_URL, Settings

# The name predates the split of ingestion.extract into modules: keep one logger for the
# whole extraction, so log lines and any handler or filter set on it stay the same.
log = logging.getLogger("ingestion.extract")

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - the sandbox accepts anything
EXTENDED, DEVELOPMENT = "extended", "development"

T = TypeVar("T")
R = TypeVar("R")


# --- inputs -----------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_snapshot_date(value: date | str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        # YYYY-MM-DD only: Python also reads 20261120 and 2026-W47-5, which nothing else
        # here (the trigger form, the file names, the dashboard) writes.
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise SnapshotDateError(
            f"snapshot date {value!r} is not a YYYY-MM-DD date: write it so, e.g. 2026-11-25."
        ) from None


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_not_future(snapshot: date) -> None:
    if snapshot > today_utc():
        raise SnapshotDateError(
            f"snapshot date {snapshot} is in the future (today is {today_utc()} UTC): nobody "
            "can extract it yet; pass today's date or an earlier one."
        )


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """`data_dir` if given, else DATA_DIR (default `<repository>/data`, whatever the working
    directory: `ingestion.paths`)."""
    return Path(data_dir) if data_dir else Path(paths.data_dir())


# --- the run context --------------------------------------------------------------------------
class TierState:
    """The access tier: configured, handed over by an earlier step, or detected once."""

    def __init__(self, configured: str, given: str | None) -> None:
        if given not in (None, "", "auto", EXTENDED, DEVELOPMENT):
            raise TierError(f"tier={given!r} is not extended, development or auto.")
        self.configured = configured
        self.value: str | None = given if given in (EXTENDED, DEVELOPMENT) else None
        if self.value is None and configured != "auto":
            self.value = configured
        self._lock = threading.Lock()

    def found_development(self, what: str) -> None:
        with self._lock:
            if self.configured == EXTENDED:
                raise TierError(
                    f"SPOTIFY_ACCESS_TIER=extended, but {what} answered HTTP 403, as it does for "
                    "a Development Mode app: set SPOTIFY_ACCESS_TIER=development (or auto)."
                )
            if self.value != DEVELOPMENT:
                log.info("Spotify access tier: development (%s answered HTTP 403)", what)
            self.value = DEVELOPMENT

    def found_extended(self, what: str) -> None:
        with self._lock:
            if self.value is None:
                log.info("Spotify access tier: extended (%s answered)", what)
                self.value = EXTENDED


@dataclass
class Run:
    snapshot: date
    settings: Settings
    client: SpotifyClient
    tier: TierState
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    skipped: dict[str, str] = field(default_factory=dict)
    failed_playlists: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def transport(self) -> Transport:
        return self.client.transport

    @property
    def mode(self) -> str:
        return "sandbox" if self.transport.is_sandbox else "spotify"

    @property
    def extracted_at(self) -> str:
        if self.transport.is_sandbox:
            # The sandbox's simulated instant: reruns give byte-identical files.
            return f"{self.snapshot.isoformat()}T00:00:00Z"
        return self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def skip(self, artist_id: str, reason: str) -> None:
        if artist_id not in self.skipped:
            log.warning(
                "artist %s skipped: %s; remove it from the roster if it is gone for good",
                artist_id,
                reason,
            )
            self.skipped[artist_id] = reason

    def fail_playlist(self, playlist_id: str, name: str, status: int | None, reason: str) -> None:
        """A playlist the API refused: it fails alone, the rest of the day goes on."""
        if playlist_id not in self.failed_playlists:
            log.warning("%s", reason)
            self.failed_playlists[playlist_id] = {
                "id": playlist_id,
                "name": name,
                "status": status,
                "reason": reason,
            }

    def pool_map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Run per-artist (or per-album) calls on the bounded pool; first error stops it."""
        if len(items) <= 1 or self.settings.max_workers == 1:
            return [fn(item) for item in items]
        pool = ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="spotify")
        try:
            futures = [pool.submit(fn, item) for item in items]
            return [future.result() for future in futures]
        finally:
            # On an error, do not start the calls still queued: the run fails anyway.
            pool.shutdown(wait=True, cancel_futures=True)

    def summary_part(self, rows: dict[str, int]) -> dict[str, Any]:
        stats = self.transport.stats()
        return {
            "snapshot_date": self.snapshot.isoformat(),
            "tier": self.tier.value or "unknown",
            "mode": self.mode,
            "rows": rows,
            "requests": stats["requests"],
            "requests_total": stats["requests_total"],
            "retries": stats["retries"],
            "rate_limited": stats["rate_limited"],
            "skipped_artists": [
                {"id": artist_id, "reason": reason}
                for artist_id, reason in sorted(self.skipped.items())
            ],
            "failed_playlists": [self.failed_playlists[k] for k in sorted(self.failed_playlists)],
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "extracted_at": self.extracted_at,
        }


@contextlib.contextmanager
def open_run(
    snapshot_date: date | str,
    *,
    settings: Settings | None = None,
    allow_past_date: bool = False,
    tier: str | None = None,
) -> Iterator[Run]:
    """Validate the date, connect (starting the offline sandbox when there are no
    credentials), refuse a past date against the real API, and yield the run."""
    snapshot = parse_snapshot_date(snapshot_date)
    check_not_future(snapshot)
    settings = settings or Settings.from_env()
    tier_state = TierState(settings.access_tier, tier)
    with contextlib.ExitStack() as stack:
        own_sandbox = not settings.has_credentials
        if own_sandbox:
            settings = stack.enter_context(_offline_sandbox(settings))
        transport = Transport(settings, sandbox_date=snapshot.isoformat(), sandbox=own_sandbox)
        client = SpotifyClient(settings, transport)
        stack.callback(client.close)
        run = Run(snapshot=snapshot, settings=settings, client=client, tier=tier_state)
        if tier_state.value:
            origin = "from the previous step" if tier in (EXTENDED, DEVELOPMENT) else "configured"
            log.info("Spotify access tier: %s (%s)", tier_state.value, origin)
        if not transport.is_sandbox:
            # The token request (needed anyway) tells us whether the server is a sandbox: the
            # run's data source, checked against the folder's before anything is fetched.
            client.auth_manager.token()
            if snapshot < today_utc() and not transport.is_sandbox and not allow_past_date:
                raise SnapshotDateError(
                    f"snapshot date {snapshot} is in the past and the server is the real "
                    "Spotify API, which only knows today: extract today's date, or pass "
                    "--allow-past-date (allow_past_date=True) to store today's data under "
                    f"{snapshot} with the true extracted_at."
                )
        yield run


@contextlib.contextmanager
def _offline_sandbox(settings: Settings) -> Iterator[Settings]:
    from ingestion.sandbox import SandboxServer  # the sandbox is only needed offline

    log.warning("no Spotify credentials: using the offline sandbox")
    if settings.api_base_url != SPOTIFY_API_BASE_URL:
        # Credentials decide the mode; say so rather than silently ignore the URL.
        log.warning(
            "SPOTIFY_API_BASE_URL=%s is ignored without credentials: to use that server (e.g. "
            "`make sandbox`), set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET to any values",
            settings.api_base_url,
        )
    sandbox_tier = DEVELOPMENT if settings.access_tier == DEVELOPMENT else EXTENDED
    with SandboxServer(tier=sandbox_tier) as server:
        log.info("offline sandbox (%s tier) at %s", sandbox_tier, server.api_base_url)
        yield settings.replace(
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            api_base_url=server.api_base_url,
            token_url=server.token_url,
        )
