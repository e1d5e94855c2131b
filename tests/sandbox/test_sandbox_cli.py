"""`python -m ingestion sandbox` serves until interrupted and logs the URL to use."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import requests
from sandbox_helpers import DUA_LIPA

from ingestion.cli import build_parser


def test_arguments_parse():
    argv = ["sandbox", "--port", "0", "--tier", "development", "--seed", "3", "--as-of",
            "2026-01-02", "--token-lifetime", "60"]  # fmt: skip
    parser, _ = build_parser(argv)
    args = parser.parse_args(argv)
    assert (args.port, args.tier, args.seed, str(args.as_of), args.token_lifetime) == (
        0, "development", 3, "2026-01-02", 60.0,
    )  # fmt: skip


def test_serves_until_interrupted():
    process = subprocess.Popen(
        [sys.executable, "-m", "ingestion", "sandbox", "--port", "0", "--tier", "development"],
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as from a terminal, even when the suite runs with SIGINT ignored (nohup, `&`),
        # which a child inherits and Python then keeps.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = process.stderr.readline()
        match = re.search(r"SPOTIFY_API_BASE_URL=(\S+) and SPOTIFY_TOKEN_URL=(\S+)", line)
        assert match, line
        api, token_url = match.groups()
        token = requests.post(
            token_url, auth=("a", "b"), data={"grant_type": "client_credentials"}, timeout=5
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.get(f"{api}artists/{DUA_LIPA}", headers=headers, timeout=5)
        assert answer.status_code == 200
        assert "popularity" not in answer.json()  # the development tier was chosen
    finally:
        process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
