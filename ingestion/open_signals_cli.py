"""`python -m ingestion open-signals --date YYYY-MM-DD [--source deezer|lastfm]`: extract (or
backfill) the open-signal sources' day from Spotify's raw files of that day."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from ingestion.errors import IngestionError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="snapshot date, YYYY-MM-DD (UTC)")
    parser.add_argument(
        "--source",
        action="append",
        choices=("deezer", "lastfm"),
        help="one source (repeatable); default: the ones OPEN_SIGNALS enables",
    )
    parser.add_argument(
        "--allow-past-date",
        action="store_true",
        help="extract a past date against the real services (stores today's values)",
    )


def extract_sources(
    snapshot_date: str, sources: list[str] | None = None, *, allow_past_date: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Each source's day on its own: one failing leaves the others (and Spotify's day) alone.
    Returns {source: summary or {"error": message}} and the failure messages."""
    from ingestion.open_signals import extract_open_signals
    from ingestion.settings import Settings

    settings = Settings.from_env()
    if sources is None:
        sources = list(settings.open_signal_sources(sandbox=not settings.has_credentials))
    results: dict[str, Any] = {}
    failures = []
    for source in sources:
        try:
            results[source] = extract_open_signals(
                snapshot_date, source=source, settings=settings, allow_past_date=allow_past_date
            )
        except IngestionError as exc:
            log.error("%s: %s", source, exc)
            results[source] = {"error": str(exc)}
            failures.append(f"{source}: {exc}")
    return results, failures


def run(args: argparse.Namespace) -> int:
    try:
        results, failures = extract_sources(
            args.date, args.source, allow_past_date=args.allow_past_date
        )
    except IngestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(results, indent=2))
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 2 if failures else 0
