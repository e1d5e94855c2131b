"""Load benchmark: 1,000 generated artists plus the roster against the sandbox, extended tier.

Prints requests/s and duration (run with `-s` to see them); asserts only correctness: every
artist extracted, the request count the minimum for the tier, the rate window respected.
"""

from __future__ import annotations

import math
import time

from ingestion_helpers import DAY, settings_for, write_roster

from ingestion.extract import extract_day

EXTRA = 1000


def test_load_benchmark_1000_artists(sandbox, tmp_path, capsys):
    server = sandbox(tier="extended", extra_artists=EXTRA)
    ids = [aid for _, aid in server.roster] + list(server.generated_artist_ids)
    assert len(ids) == len(server.roster) + EXTRA
    names = {aid: server.catalogue.artists[aid].name for aid in ids}
    roster = write_roster(tmp_path / "artists.yml", [(names[a], a) for a in ids])

    start = time.perf_counter()
    summary = extract_day(
        DAY,
        artists_file=roster,
        data_dir=tmp_path / "data",
        settings=settings_for(server, max_workers=4),
    )
    duration = time.perf_counter() - start

    counts = server.request_counts
    assert summary["rows"]["artists"] == len(ids)
    assert summary["rows"]["top_tracks"] == 10 * len(ids)
    assert summary["requests"] == counts
    assert counts["token"] == 1
    assert counts["artists"] == math.ceil(len(ids) / 50)
    assert counts["artist_top_tracks"] == len(ids)
    assert counts["artist_albums"] >= len(ids)
    assert summary["retries"] == 0
    total = summary["requests_total"]
    with capsys.disabled():
        print(
            f"\n[benchmark] {len(ids)} artists: {total} requests in {duration:.2f}s "
            f"= {total / duration:.0f} requests/s; rows {summary['rows']}"
        )
