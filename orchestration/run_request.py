"""What a `spotify_ingest` run was asked to do: the trigger form's Params, checked and planned.

The Airflow UI's "Trigger" form (and the REST API's `conf`) takes:

* `artists`: a subset of the roster (`ingestion/artists.yml`), by name (any case) or id (a bare
  id, `spotify:artist:` URI or open.spotify.com URL). Empty: the whole roster.
* `access_tier`: `auto` (detect, or what the connection says), `extended` or `development`.

A run extracts its own snapshot date, its logical date's UTC day. A date range is Airflow's own
backfill (the Trigger dialog's Backfill, `airflow backfill create --dag-run-conf`, or
`POST /api/v2/backfills` with `dag_run_conf`): one run per day, each with the same conf.

The form validates types (JSON schema); the first task, `plan_run`, checks what a schema cannot
(names not in the roster) and fails at once with a message saying what is wrong and what to do.

A subset run must not erase the other artists of that day from the raw log: each step writes
into a staging folder of its own run (`$DATA_DIR/.staging/<run>/`), then the raw writer merges
its file into `raw/<entity>/<date>.csv`, replacing the selected artists' rows and keeping the
others' (`ingestion.raw_writer.merge_artist_subset`). The playlists do not depend on the
artists: a subset run extracts them all, into the day's file. The run summary of the day
(`raw/runs/<date>.json`) is the subset run's own, with `artists_selected` listing the ids.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.settings import TIERS as ACCESS_TIERS

log = logging.getLogger(__name__)


class RunRequestError(ValueError):
    """The trigger form's values cannot be run; the message says what to change."""


def ingest_params() -> dict[str, Any]:
    """The DAG's Params (the trigger form). Built at parse time: no I/O here."""
    from airflow.sdk import Param

    return {
        "artists": Param(
            [],
            type=["null", "array"],  # optional: the form marks a field without "null" required
            items={"type": "string", "minLength": 1},
            uniqueItems=True,
            title="Artists",
            description="A subset of the roster (ingestion/artists.yml), one per line: a name "
            "or a Spotify id / URI / URL. Empty: every artist of the roster.",
        ),
        "access_tier": Param(
            "auto",
            type="string",
            enum=list(ACCESS_TIERS),
            title="Spotify access tier",
            description="auto: detect it (or use the spotify_default connection's `tier`); "
            "extended or development: force it (the offline sandbox then simulates it).",
        ),
    }


def select_artists(requested: Sequence[str] | None, roster: Sequence[Any]) -> list[str] | None:
    """The roster ids matching `requested` (names in any case, or ids / URIs / URLs), in
    roster order; None for the whole roster. Unknown entries are reported all at once."""
    from ingestion.errors import InvalidArtistIdError
    from ingestion.ids import normalise_artist_id

    if not requested:
        return None
    if isinstance(requested, str):
        requested = [requested]
    by_name = {artist.name.casefold(): artist.id for artist in roster}
    ids = {artist.id for artist in roster}
    chosen: set[str] = set()
    unknown = []
    for entry in requested:
        text = str(entry).strip()
        if text.casefold() in by_name:
            chosen.add(by_name[text.casefold()])
            continue
        try:
            artist_id = normalise_artist_id(text)
        except InvalidArtistIdError:
            artist_id = None
        if artist_id in ids:
            chosen.add(artist_id)
        else:
            unknown.append(text)
    if unknown:
        names = ", ".join(artist.name for artist in roster)
        raise RunRequestError(
            f"not in the roster: {', '.join(repr(u) for u in unknown)}. Pick names or ids "
            f"from ingestion/artists.yml (or $ARTISTS_FILE): {names}; or add the artist to "
            "the roster first."
        )
    return [artist.id for artist in roster if artist.id in chosen]


def plan(
    params: Mapping[str, Any] | None,
    *,
    own_date: date,
    roster_loader: Callable[[], Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Check the form's values and say what this run does (JSON-ready, for XCom):
    `{"snapshot_date", "artist_ids", "access_tier"}`, `artist_ids` None for the whole roster."""
    params = dict(params or {})
    tier = str(params.get("access_tier") or "auto").strip().lower()
    if tier not in ACCESS_TIERS:
        raise RunRequestError(
            f"access_tier={params.get('access_tier')!r} is not one of {', '.join(ACCESS_TIERS)}."
        )
    artist_ids = None
    if params.get("artists"):  # the roster is read (and checked) by the steps otherwise
        if roster_loader is None:
            from ingestion.roster import load_roster as roster_loader
        artist_ids = select_artists(params["artists"], roster_loader())
    return {"snapshot_date": own_date.isoformat(), "artist_ids": artist_ids, "access_tier": tier}


def describe(planned: Mapping[str, Any]) -> str:
    """One line for the task log."""
    who = (
        f"{len(planned['artist_ids'])} selected artist(s)"
        if planned["artist_ids"]
        else "the whole roster"
    )
    return f"snapshot date {planned['snapshot_date']}, {who}, tier {planned['access_tier']}"


# --- the subset: a roster file of the selected artists, a staging folder ----------------------
@contextmanager
def subset_roster(artist_ids: Sequence[str] | None, artists_file: str | None = None):
    """A temporary roster file holding only `artist_ids` (the other sections of the roster
    file are kept as they are); None, i.e. the full roster, when no subset was asked for."""
    if not artist_ids:
        yield None
        return
    import yaml

    from ingestion.roster import resolve_artists_file

    source = resolve_artists_file(artists_file)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    from ingestion.ids import normalise_artist_id

    wanted = set(artist_ids)
    data["artists"] = [a for a in data["artists"] if normalise_artist_id(a["id"]) in wanted]
    fd, path = tempfile.mkstemp(prefix="roster-subset-", suffix=".yml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, sort_keys=False, allow_unicode=True)
        yield path
    finally:
        os.unlink(path)


def staging_dir(data_dir: str | os.PathLike, run_id: str) -> Path:
    """The subset run's own data folder (shared by its tasks)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)
    return Path(data_dir) / ".staging" / safe


def remove_staging(path: str | os.PathLike) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- inside the tasks ---------------------------------------------------------------------------
def plan_for_task(context: Mapping[str, Any]) -> dict[str, Any]:
    """`plan_run`'s body: the plan, or AirflowFailException (no retry) naming the problem."""
    from airflow.sdk.exceptions import AirflowFailException

    from ingestion.errors import IngestionError
    from orchestration.ingest import snapshot_date_for

    dag_run = context["dag_run"]
    own_date = snapshot_date_for(context.get("logical_date"), dag_run.run_after)
    try:
        planned = plan(context.get("params"), own_date=own_date)
    except (RunRequestError, IngestionError) as error:
        raise AirflowFailException(f"spotify_ingest cannot run these Params: {error}") from None
    log.info("plan: %s", describe(planned))
    return planned


def run_planned_step(
    step: str, planned: Mapping[str, Any], *, run_id: str, tier: str | None = None
) -> dict[str, Any]:
    """One extraction step as `planned`; for a subset, extracted into the run's staging folder
    and merged into the day's raw file."""
    from ingestion.paths import data_dir
    from ingestion.raw_writer import SUBSET_ENTITIES, merge_artist_subset
    from orchestration.ingest import run_step, spotify_settings

    settings, _ = spotify_settings()
    if planned["access_tier"] != "auto":
        settings = settings.replace(access_tier=planned["access_tier"])
    day = date.fromisoformat(planned["snapshot_date"])
    ids = planned["artist_ids"]
    if not ids:
        return run_step(step, day, tier=tier, settings=settings)
    if step not in SUBSET_ENTITIES:
        # The playlists do not depend on the artists: a subset run extracts them all, into the
        # day's file directly (nothing of other artists to keep).
        return {**run_step(step, day, tier=tier, settings=settings), "artists_selected": list(ids)}
    staged = staging_dir(data_dir(), run_id)
    if step == "albums":
        _stage_playlist_tracks(day.isoformat(), staged)
    with subset_roster(ids) as roster:
        part = run_step(
            step, day, tier=tier, settings=settings, data_dir_path=str(staged), artists_file=roster
        )
    merged = merge_artist_subset(step, day.isoformat(), ids, staged_dir=staged, data_dir=data_dir())
    log.info(
        "%s %s: the %d selected artists merged into the day (%d rows)", step, day, len(ids), merged
    )
    # The summary counts the rows of the day's file (what publication checks), not the subset's.
    return {**part, "rows": {**part["rows"], step: merged}, "artists_selected": list(ids)}


def _stage_playlist_tracks(snapshot_date: str, staged: Path) -> None:
    """Put the day's playlist file (all playlists, written by this run's playlist step) beside
    the staged top tracks: the albums step fetches the full albums of both."""
    from ingestion.paths import data_dir
    from ingestion.raw_writer import PLAYLIST_TRACKS, current_path, staged_path

    source = current_path(Path(data_dir()), PLAYLIST_TRACKS, snapshot_date)
    if source.exists():
        target = staged_path(staged, PLAYLIST_TRACKS, snapshot_date)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
