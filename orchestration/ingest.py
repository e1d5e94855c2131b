"""What the `spotify_ingest` DAG's tasks do: credentials, one extraction step, its event extra.

Credentials, in this order (docs: README "Using the real Spotify API"):
1. the Airflow connection `spotify_default`: login = client id, password = client secret; its
   extra may hold `api_base_url` (or `base_url`), `token_url` and `tier` (or `access_tier`);
2. the SPOTIFY_* environment variables (`ingestion.settings.Settings.from_env`);
3. neither: the ingestion package starts its offline sandbox in the task's process.

Everything here runs inside a task, never at DAG-parse time. Secrets stay in the Settings
object: what a task returns (XCom) or attaches to an asset event is the step's run summary,
which never holds one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ingestion.paths import data_dir
from orchestration.assets import LASTFM_CONN_ID, SPOTIFY_CONN_ID

log = logging.getLogger(__name__)

_EXTRA_KEYS = {
    "api_base_url": ("api_base_url", "base_url"),
    "token_url": ("token_url",),
    "access_tier": ("tier", "access_tier"),
}


def snapshot_date_for(logical_date: datetime | None, run_after: datetime | None = None) -> date:
    """The snapshot date a run extracts: its logical date's UTC day (a manual run without a
    logical date uses the day it was triggered for, `run_after`)."""
    when = logical_date or run_after
    if when is None:
        return datetime.now(UTC).date()
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.date()


def _airflow_connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def spotify_settings(
    conn_id: str = SPOTIFY_CONN_ID,
    *,
    get_connection: Callable[[str], Any | None] = _airflow_connection,
    env: Mapping[str, str] | None = None,
) -> tuple[Any, str]:
    """`(ingestion.settings.Settings, source)`, source being `connection`, `environment` or
    `sandbox`. The connection's fields override the environment's."""
    from ingestion.settings import Settings

    overrides: dict[str, Any] = {}
    conn = get_connection(conn_id)
    if conn is not None:
        if conn.login:
            overrides["client_id"] = conn.login
            overrides["client_secret"] = conn.password or ""
        extra = conn.extra_dejson or {}
        for field, keys in _EXTRA_KEYS.items():
            value = next((extra[k] for k in keys if extra.get(k)), None)
            if value:
                overrides[field] = str(value)
    settings = Settings.from_env(env, **overrides)
    if "client_id" in overrides:
        source = "connection"
    elif settings.has_credentials:
        source = "environment"
    else:
        source = "sandbox"
    log.info("Spotify credentials from: %s (%s)", source, conn_id if conn is not None else "-")
    return settings, source


def run_step(
    step: str,
    snapshot_date: date,
    *,
    tier: str | None = None,
    settings: Any = None,
    data_dir_path: str | None = None,
    artists_file: str | None = None,
) -> dict[str, Any]:
    """Run one ingestion step for `snapshot_date`; return its summary part (no secret in it).

    Past dates are allowed against the sandbox (backfills of simulated history); against the
    real API the ingestion package refuses them with a SnapshotDateError saying what to do.
    Permanent errors become AirflowFailException (no retry); transient ones propagate so
    Airflow retries the task.
    """
    from ingestion import extract

    functions = {
        "artists": extract.extract_artists,
        "top_tracks": extract.extract_top_tracks,
        "playlist_tracks": extract.extract_playlists,
        "albums": extract.extract_albums,
    }
    if step not in functions:
        raise ValueError(f"unknown step {step!r}: one of {', '.join(functions)}")
    if settings is None:
        settings, _ = spotify_settings()
    with _fail_at_once_unless_retryable():
        part = functions[step](
            snapshot_date,
            data_dir=data_dir_path or data_dir(),
            settings=settings,
            tier=tier,
            artists_file=artists_file,
        )
    log.info(
        "%s %s: rows %s, %d requests, %d retries, tier %s (%s)",
        step,
        part["snapshot_date"],
        part["rows"],
        part["requests_total"],
        part["retries"],
        part["tier"],
        part["mode"],
    )
    return part


@contextlib.contextmanager
def _fail_at_once_unless_retryable() -> Iterator[None]:
    """Errors only a person can fix fail the task at once (AirflowFailException); the others
    propagate, so Airflow retries the task."""
    from ingestion.errors import IngestionError

    try:
        yield
    except IngestionError as error:
        if not error.retryable:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{type(error).__name__}: {error}") from None
        raise


def run_open_signals(
    source: str,
    snapshot_date: date,
    *,
    settings: Any = None,
    data_dir_path: str | None = None,
    get_connection: Callable[[str], Any | None] = _airflow_connection,
) -> dict[str, Any]:
    """Extract and publish one open-signal source's day (`deezer` or `lastfm`); return its run
    summary (no secret in it). Skipped (AirflowSkipException) when OPEN_SIGNALS leaves the
    source off. The Last.fm key comes from the connection `lastfm_default` (password = key;
    extra `api_base_url`), else LASTFM_API_KEY. A failure here touches no other day: Spotify's
    day and the other source's day are published on their own."""
    from airflow.sdk.exceptions import AirflowSkipException

    from ingestion.open_signals import extract_open_signals

    if settings is None:
        settings, _ = spotify_settings(get_connection=get_connection)
    conn = get_connection(LASTFM_CONN_ID)
    with _fail_at_once_unless_retryable():
        if conn is not None:
            settings = settings.with_lastfm_connection(conn)
        enabled = settings.open_signal_sources(sandbox=not settings.has_credentials)
        if source not in enabled:
            raise AirflowSkipException(
                f"{source} is off (OPEN_SIGNALS={settings.open_signals!r} enables "
                f"{', '.join(enabled) or 'none'}): its day is not extracted"
            )
        summary = extract_open_signals(
            snapshot_date, source=source, data_dir=data_dir_path or data_dir(), settings=settings
        )
    return summary


def event_extra(part: Mapping[str, Any], *, step: str, run_id: str | None = None) -> dict:
    """The asset event's extra: the step's run summary (rows, requests, retries, tier, date)."""
    extra = {**part, "step": step}  # the summary part holds no secret (ingestion's tests)
    if run_id:
        extra["ingest_run_id"] = run_id
    return extra


def write_run_summary(parts: list[Mapping[str, Any]], *, data_dir_path: str | None = None) -> dict:
    """Merge the steps' parts into raw/runs/<date>.json; return the merged summary."""
    from ingestion.extract import write_summary

    return write_summary(list(parts), data_dir=data_dir_path or data_dir())
