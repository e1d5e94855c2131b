"""`python -m ingestion extract --date YYYY-MM-DD [--artists FILE] [--allow-past-date]
[--strict]`: Spotify's day, then each open-signal source's day (OPEN_SIGNALS)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ingestion.errors import IngestionError

log = logging.getLogger("ingestion.extract")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="snapshot date, YYYY-MM-DD (UTC)")
    parser.add_argument(
        "--artists", default=None, help="YAML roster (default: $ARTISTS_FILE or the packaged one)"
    )
    parser.add_argument(
        "--allow-past-date",
        action="store_true",
        help="extract a past date against the real API (stores today's data, true extracted_at)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="fail when the API does not know a roster artist (default: skip it and name it "
        "in the run summary; env INGEST_STRICT=1)",
    )


def run(args: argparse.Namespace) -> int:
    from ingestion.extract import extract_day

    try:
        summary = extract_day(
            args.date,
            artists_file=args.artists,
            allow_past_date=args.allow_past_date,
            strict=args.strict,
        )
    except IngestionError as exc:
        # The message says what to do; the traceback goes to the debug log (-v) only.
        log.debug("extract failed", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Spotify's day is published: each open-signal source's day now comes (or fails) on its own.
    from ingestion.open_signals_cli import extract_sources

    try:
        summary["open_signals"], failures = extract_sources(
            args.date, allow_past_date=args.allow_past_date
        )
    except IngestionError as exc:
        print(json.dumps(summary, indent=2))
        print(f"error: open signals: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    for failure in failures:
        print(f"error: {failure} (Spotify's day is published)", file=sys.stderr)
    return 2 if failures else 0
