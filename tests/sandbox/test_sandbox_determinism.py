"""Same seed and date give byte-identical answers; dates move the catalogue plausibly."""

from __future__ import annotations

from datetime import timedelta

from sandbox_helpers import AS_OF, DUA_LIPA, Client

from ingestion.sandbox import SandboxServer
from ingestion.sandbox.catalogue import ROSTER

PATHS = [
    f"artists/{DUA_LIPA}",
    f"artists/{DUA_LIPA}/top-tracks",
    f"artists/{DUA_LIPA}/albums?limit=10&include_groups=album,single",
    "search?q=artist:%22Oasis%22&type=track&limit=10",
    "artists?ids=" + ",".join(r.id for r in ROSTER),
]


def _bodies(server: SandboxServer) -> list[bytes]:
    client = Client(server)
    bodies = []
    for path in PATHS:
        answer = client.get(path)
        assert answer.status_code == 200
        # Paging links are absolute URLs of this server; the rest must match byte for byte.
        bodies.append(answer.content.replace(server.base_url.encode(), b"<sandbox>"))
    album_id = client.get(PATHS[2]).json()["items"][0]["id"]
    bodies.append(client.get(f"albums/{album_id}").content)
    return bodies


def test_two_servers_with_the_same_seed_and_date_answer_identically():
    with SandboxServer(seed=5, as_of=AS_OF) as a, SandboxServer(seed=5, as_of=AS_OF) as b:
        assert _bodies(a) == _bodies(b)
    with SandboxServer(seed=6, as_of=AS_OF) as c, SandboxServer(seed=5, as_of=AS_OF) as d:
        assert _bodies(c)[1] != _bodies(d)[1]  # another seed, another catalogue


def _popularity(client: Client, day) -> dict[str, int]:
    headers = {"X-Sandbox-Date": day.isoformat()}
    found = {}
    for r in ROSTER:
        for track in client.ok(f"artists/{r.id}/top-tracks", headers=headers)["tracks"]:
            found[track["id"]] = track["popularity"]
    return found


def test_consecutive_dates_differ_plausibly(ext):
    today, tomorrow = _popularity(ext, AS_OF), _popularity(ext, AS_OF + timedelta(days=1))
    assert all(0 <= p <= 100 for p in [*today.values(), *tomorrow.values()])
    common = today.keys() & tomorrow.keys()
    assert len(common) > 0.7 * len(today), "top tracks mostly stay top tracks"
    changed = [t for t in common if today[t] != tomorrow[t]]
    assert changed, "some popularity must change from one day to the next"
    assert sum(abs(today[t] - tomorrow[t]) for t in common) / len(common) < 3


def test_the_date_comes_from_header_param_or_server(ext):
    day = AS_OF - timedelta(days=400)
    by_header = ext.get(f"artists/{DUA_LIPA}", headers={"X-Sandbox-Date": day.isoformat()})
    by_param = ext.get(f"artists/{DUA_LIPA}", {"sandbox_date": day.isoformat()})
    default = ext.get(f"artists/{DUA_LIPA}")
    assert by_header.content == by_param.content != default.content
    bad = ext.get(f"artists/{DUA_LIPA}", {"sandbox_date": "2026-13-01"})
    assert bad.status_code == 400


def test_next_links_carry_sandbox_date_when_given_as_a_param(ext):
    day = (AS_OF - timedelta(days=30)).isoformat()
    page = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 2, "sandbox_date": day})
    assert f"sandbox_date={day}" in page["next"]
    following = ext.ok(page["next"])
    assert f"sandbox_date={day}" in following["previous"]
    unparam = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 2})
    assert "sandbox_date" not in unparam["next"]


def test_albums_appear_on_their_release_date(ext):
    newest = ext.ok(f"artists/{DUA_LIPA}/albums", {"limit": 10, "include_groups": "single"})
    album = max(newest["items"], key=lambda a: a["release_date"])
    released = album["release_date"]
    assert album["release_date_precision"] == "day"
    before = AS_OF.fromisoformat(released) - timedelta(days=1)
    assert ext.get(f"albums/{album['id']}", {"sandbox_date": released}).status_code == 200
    assert ext.get(f"albums/{album['id']}", {"sandbox_date": before.isoformat()}).status_code == 404
