"""`python -m ingestion sandbox`: serve the sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import threading
from datetime import date

from ingestion.sandbox.server import TIERS, SandboxServer

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--tier", choices=TIERS, default="extended", help="Spotify app tier")
    parser.add_argument("--seed", type=int, default=42, help="catalogue seed")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="catalogue date (default: today, UTC; requests may override it)",
    )
    parser.add_argument(
        "--token-lifetime", type=float, default=3600, metavar="S", help="token lifetime, seconds"
    )
    parser.add_argument(
        "--extra-artists", type=int, default=0, metavar="N", help="generated artists for load"
    )


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    server = SandboxServer(
        tier=args.tier,
        seed=args.seed,
        as_of=args.as_of,
        token_lifetime=args.token_lifetime,
        extra_artists=args.extra_artists,
        host=args.host,
        port=args.port,
    ).start()
    log.info(
        "Spotify sandbox (%s tier, seed %s) at %s; set SPOTIFY_API_BASE_URL=%s and "
        "SPOTIFY_TOKEN_URL=%s with any non-empty client id and secret. Ctrl-C stops it.",
        args.tier,
        args.seed,
        server.base_url,
        server.api_base_url,
        server.token_url,
    )
    log.info(
        "It serves Deezer and Last.fm too: DEEZER_API_BASE_URL=%s, LASTFM_API_BASE_URL=%s "
        "(any LASTFM_API_KEY).",
        server.deezer_base_url,
        server.lastfm_base_url,
    )
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        log.info("stopping the sandbox")
    finally:
        server.stop()
    return 0
