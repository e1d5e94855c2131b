"""What a `spotify_ingest` run was asked to do: the trigger form's Params, checked and planned.

The Airflow UI's "Trigger" form (and the REST API's `conf`) takes:

* `start_date`, `end_date`: a snapshot date range (YYYY-MM-DD, both ends included). Empty:
  the run's own date (its logical date's UTC day): what the daily schedule does.
* `artists`: a subset of the roster (`ingestion/artists.yml`), by name (any case) or id (a bare
  id, `spotify:artist:` URI or open.spotify.com URL). Empty: the whole roster.
* `access_tier`: `auto` (detect, or what the connection says), `extended` or `development`.

The form validates types and formats (JSON schema); the first task, `plan_run`, checks what a
schema cannot (the range's order and length, a date in the future, names not in the roster)
and fails at once with a message saying what is wrong and what to do.

A range of more than one day fans out: `plan_run` plans one child run per date, which the
mapped task `trigger_daily_runs` triggers (conf `start_date = end_date = <date>` plus the same
artists and tier, no logical date, `run_after` = that day at 06:00 UTC so they queue in date
order, at most one at a time). The parent run's extraction tasks are skipped, so it publishes
no raw asset event; each child run publishes its day's events like a scheduled run.

A subset run must not erase the other artists of that day from the raw log: each step writes
into a staging folder of its own run (`$DATA_DIR/.staging/<run>/`), then merges its file into
`raw/<entity>/<date>.csv`, replacing the selected artists' rows and keeping the others'
(`merge_subset`). The playlists do not depend on the artists: a subset run extracts them all,
into the day's file. The run summary of the day (`raw/runs/<date>.json`) is the subset run's own,
with `artists_selected` listing the ids.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ingestion.settings import TIERS as ACCESS_TIERS
from orchestration.assets import INGEST_DAG_ID, SCHEDULE_HOUR

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 92  # one quarter per trigger: a longer backfill is several triggers
# Which column names the tracked artist, per raw entity (for merging a subset into a day).
ARTIST_KEY = {
    "artists": "artist_id",
    "top_tracks": "tracked_artist_id",
    "albums": "tracked_artist_id",
}
# What makes a raw row unique within a day's file.
NATURAL_KEY = {
    "artists": ("artist_id",),
    "top_tracks": ("tracked_artist_id", "rank"),
    "albums": ("album_id", "tracked_artist_id", "source"),
}
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class RunRequestError(ValueError):
    """The trigger form's values cannot be run; the message says what to change."""


def ingest_params() -> dict[str, Any]:
    """The DAG's Params (the trigger form). Built at parse time: no I/O here."""
    from airflow.sdk import Param

    return {
        "start_date": Param(
            None,
            type=["null", "string"],
            format="date",
            pattern=_DATE,
            title="First snapshot date",
            description="YYYY-MM-DD. Empty: the run's own date (the daily run). "
            "A range of several days starts one run per day.",
        ),
        "end_date": Param(
            None,
            type=["null", "string"],
            format="date",
            pattern=_DATE,
            title="Last snapshot date",
            description="YYYY-MM-DD, included; empty: the first date. "
            f"At most {MAX_RANGE_DAYS} days per trigger, none in the future.",
        ),
        "artists": Param(
            [],
            type="array",
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


def _parse_date(name: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RunRequestError(
            f"{name}={value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25."
        ) from None


def snapshot_dates(
    start: Any, end: Any, own_date: date, *, today: date | None = None
) -> list[date]:
    """The dates a run covers: [own_date] when no range is given, else start..end (checked)."""
    today = today or datetime.now(UTC).date()
    first, last = _parse_date("start_date", start), _parse_date("end_date", end)
    if first is None and last is None:
        return [own_date]
    if first is None:
        raise RunRequestError(
            f"end_date={last} without a start_date: set start_date too (or clear both for "
            "the run's own date)."
        )
    last = last or first
    if last < first:
        raise RunRequestError(
            f"end_date {last} is before start_date {first}: swap them, or clear end_date for "
            "one day."
        )
    if last > today:
        raise RunRequestError(
            f"end_date {last} is in the future (today is {today} UTC): nobody can extract it "
            "yet; end the range today or earlier."
        )
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise RunRequestError(
            f"{first}..{last} is {days} days, more than {MAX_RANGE_DAYS} per trigger: split "
            "the backfill into several triggers."
        )
    return [first + timedelta(days=n) for n in range(days)]


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
    run_id: str,
    roster_loader: Callable[[], Sequence[Any]] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Check the form's values and say what this run does (JSON-ready, for XCom).

    `{"dates", "fan_out", "snapshot_date", "artist_ids", "access_tier", "children"}`:
    one date: this run extracts it (`fan_out` False); several: `children` lists the
    `TriggerDagRunOperator` arguments of one run per date and this run extracts nothing.
    """
    params = dict(params or {})
    tier = str(params.get("access_tier") or "auto").strip().lower()
    if tier not in ACCESS_TIERS:
        raise RunRequestError(
            f"access_tier={params.get('access_tier')!r} is not one of {', '.join(ACCESS_TIERS)}."
        )
    dates = snapshot_dates(params.get("start_date"), params.get("end_date"), own_date, today=today)
    artist_ids = None
    if params.get("artists"):  # the roster is read (and checked) by the steps otherwise
        if roster_loader is None:
            from ingestion.roster import load_roster as roster_loader
        artist_ids = select_artists(params["artists"], roster_loader())
    fan_out = len(dates) > 1
    children = []
    if fan_out:
        for day in dates:
            children.append(
                {
                    "trigger_run_id": child_run_id(run_id, day),
                    "run_after": datetime(
                        day.year, day.month, day.day, SCHEDULE_HOUR, tzinfo=UTC
                    ).isoformat(),
                    "conf": {
                        "start_date": day.isoformat(),
                        "end_date": day.isoformat(),
                        "artists": artist_ids or [],
                        "access_tier": tier,
                    },
                }
            )
    return {
        "dates": [d.isoformat() for d in dates],
        "fan_out": fan_out,
        "snapshot_date": None if fan_out else dates[0].isoformat(),
        "artist_ids": artist_ids,
        "access_tier": tier,
        "children": children,
    }


def child_run_id(parent_run_id: str, day: date) -> str:
    return f"{parent_run_id}__{day.isoformat()}"


def describe(planned: Mapping[str, Any]) -> str:
    """One line for the task log."""
    who = (
        f"{len(planned['artist_ids'])} selected artist(s)"
        if planned["artist_ids"]
        else "the whole roster"
    )
    if planned["fan_out"]:
        dates = planned["dates"]
        return (
            f"{len(dates)} days {dates[0]}..{dates[-1]}: one {INGEST_DAG_ID} run per day, "
            f"{who}, tier {planned['access_tier']}"
        )
    return f"snapshot date {planned['snapshot_date']}, {who}, tier {planned['access_tier']}"


# --- the subset: a roster file of the selected artists, a staging folder, the merge ---------
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


def merge_subset(
    entity: str,
    snapshot_date: str,
    artist_ids: Iterable[str],
    *,
    staged_dir: str | os.PathLike,
    data_dir: str | os.PathLike,
) -> int:
    """Merge the staged file of `entity` into the day's raw file: the selected artists' rows
    are replaced by the staged ones, the other artists' rows are kept. Atomic. Returns the
    rows of the merged file."""
    from ingestion.raw_writer import ENTITIES, raw_path, read_csv, unpublish_day, write_csv

    key, natural = ARTIST_KEY[entity], NATURAL_KEY[entity]
    selected = set(artist_ids)
    staged = read_csv(raw_path(Path(staged_dir), entity, snapshot_date))
    staged_keys = {tuple(row[c] for c in natural) for row in staged}
    target = raw_path(Path(data_dir), entity, snapshot_date)
    old = read_csv(target) if target.exists() else []
    # Rows tied to no tracked artist (the full album objects of the top tracks' albums) are
    # shared: a staged one replaces the old one with the same key, the others are kept.
    kept = [
        row
        for row in old
        if row[key] not in selected and tuple(row[c] for c in natural) not in staged_keys
    ]
    rows = kept + staged
    rows.sort(key=lambda row: tuple(row[c] for c in ENTITIES[entity]))
    # The day's files change: hide the day until the run publishes it again, whole.
    unpublish_day(Path(data_dir), snapshot_date)
    write_csv(target, ENTITIES[entity], rows)
    log.info(
        "%s %s: %d rows of the selected artists merged with %d kept rows of the others",
        entity,
        snapshot_date,
        len(staged),
        len(kept),
    )
    return len(rows)


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
        planned = plan(context.get("params"), own_date=own_date, run_id=context["run_id"])
    except (RunRequestError, IngestionError) as error:
        raise AirflowFailException(f"spotify_ingest cannot run these Params: {error}") from None
    log.info("plan: %s", describe(planned))
    return planned


def run_planned_step(
    step: str, planned: Mapping[str, Any], *, run_id: str, tier: str | None = None
) -> dict[str, Any]:
    """One extraction step as `planned`: skipped when the run fans out; for a subset, extracted
    into the run's staging folder and merged into the day's raw file."""
    from airflow.sdk.exceptions import AirflowSkipException

    from orchestration.assets import data_dir
    from orchestration.ingest import run_step, spotify_settings

    if planned["fan_out"]:
        raise AirflowSkipException(
            f"{len(planned['dates'])} dates: extracted by one {INGEST_DAG_ID} run per day "
            "(see trigger_daily_runs)"
        )
    settings, _ = spotify_settings()
    if planned["access_tier"] != "auto":
        settings = settings.replace(access_tier=planned["access_tier"])
    day = date.fromisoformat(planned["snapshot_date"])
    ids = planned["artist_ids"]
    if not ids:
        return run_step(step, day, tier=tier, settings=settings)
    if step not in ARTIST_KEY:
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
    merge_subset(step, day.isoformat(), ids, staged_dir=staged, data_dir=data_dir())
    return {**part, "artists_selected": list(ids)}


def _stage_playlist_tracks(snapshot_date: str, staged: Path) -> None:
    """Put the day's playlist file (all playlists, written by this run's playlist step) beside
    the staged top tracks: the albums step fetches the full albums of both."""
    from ingestion.raw_writer import PLAYLIST_TRACKS, raw_path
    from orchestration.assets import data_dir

    source = raw_path(Path(data_dir()), PLAYLIST_TRACKS, snapshot_date)
    if source.exists():
        target = raw_path(staged, PLAYLIST_TRACKS, snapshot_date)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
