"""`python -m ingestion <command>`: a plain CLI, runnable without Airflow.

Each subcommand lives in its own module, exposing `add_arguments(parser)` and `run(args) -> int`;
they are imported lazily so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = {
    "extract": ("ingestion.extract_cli", "Extract one day: artists, albums, top tracks, playlists"),
    "open-signals": (
        "ingestion.open_signals_cli",
        "Extract (or backfill) a day's open popularity signals: Deezer, Last.fm",
    ),
    "sandbox": ("ingestion.sandbox.cli", "Serve the offline Spotify Web API sandbox"),
}


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, object | None]:
    parser = argparse.ArgumentParser(prog="python -m ingestion", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if a in COMMANDS), None)
    module = None
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, module = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return module.run(args)
