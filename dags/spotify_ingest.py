"""
### spotify_ingest

Extracts one snapshot day from the Spotify Web API (or the offline sandbox) into the raw layer
(staged under `$DATA_DIR/raw/.staging/<snapshot date>/`, then published whole), in four
tasks: **artists**, then **top tracks**, then the roster's **playlists** (their tracks and
positions; a playlist the API refuses fails alone and is named in the summary's
`failed_playlists`), then **albums** (the full albums of the top tracks and playlist tracks).
The snapshot date is the run's logical date (UTC day), so a run triggered for a past date
(UI, REST API, `airflow backfill create`) extracts that day: simulated history from the
sandbox, a clear `SnapshotDateError` from the real API, which only knows today.

**Trigger form** (Params): `start_date` / `end_date` (a snapshot date range), `artists` (a
subset of the roster, by name or id) and `access_tier` (auto / extended / development). The
first task, `plan_run`, checks them (a reversed or future range, an artist not in the roster:
the run fails at once saying what to change). A range of several days fans out:
`trigger_daily_runs` triggers one run per day and this run extracts nothing. A subset merges
its rows into the day's staged files, keeping the other artists' (`orchestration.run_request`).

**Alerts**: a task failing past its retries, or a run unfinished `$PIPELINE_DEADLINE_MINUTES`
(default 90) after it was queued, sends an email (connection `alerts_smtp`) and a webhook POST
(connection `alerts_webhook`): `orchestration.alerts`.

* The first task detects the access tier (extended / development); the next ones get it through
  XCom, so detection happens once per run.
* Each task is the producer of its raw **Asset** (`raw_artists`, `raw_top_tracks`,
  `raw_playlist_tracks`, `raw_albums`); the asset event's `extra` is that step's run summary
  (rows, requests, retries, tier, snapshot date). A step writes its file aside (staged): the
  day's published version stays as it is.
* The albums task then **publishes** the day: it writes `raw/runs/<date>.json`, the merged
  summary: publishing replaces the day's previous version in one step. A failed step
  leaves the previous version published; a rerun completes the new one.
* **Open signals**: `extract_deezer` and `extract_lastfm`, after the top tracks and playlists
  (beside the albums), look up the day's tracks and publish each source's day
  (`raw/runs/<source>/<date>.json`), producers of `raw_deezer` / `raw_lastfm` (extra: the
  source's summary). Each fails alone (Spotify's day is still published); `OPEN_SIGNALS`
  leaving one off skips it. Last.fm's key: connection `lastfm_default` (password), else
  `LASTFM_API_KEY`.
* `announce_day` emits `raw_published_days`, the Asset that schedules `spotify_dbt`, once
  Spotify's day is published and each source's task has finished (`open_signals_settled`,
  trigger rule `all_done`: published, failed or off); its extra says which sources published.
* Credentials: Airflow connection `spotify_default` (login = client id, password = secret;
  extra `api_base_url`, `token_url`, `tier`), else the `SPOTIFY_*` environment, else the offline
  sandbox. Looked up inside the tasks, never when this file is parsed.
* Transient API failures are retried (inside the client, then by Airflow with exponential
  backoff); errors only a person can fix (bad settings, refused credentials, a past date against
  the real API) fail at once.

The logic lives in `orchestration.ingest` and the `ingestion` package; this file only wires it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import CronTriggerTimetable, TriggerRule, dag, task

from orchestration.alerts import PipelineAlertNotifier, deadline_alert
from orchestration.assets import open_signal_asset, published_days_asset, raw_asset
from orchestration.celery_settings import DEFAULT_QUEUE
from orchestration.run_request import ingest_params

RAW_ARTISTS = raw_asset("artists")
RAW_TOP_TRACKS = raw_asset("top_tracks")
RAW_PLAYLIST_TRACKS = raw_asset("playlist_tracks")
RAW_ALBUMS = raw_asset("albums")
OPEN_SIGNALS = {source: open_signal_asset(source) for source in ("deezer", "lastfm")}
PUBLISHED_DAYS = published_days_asset()

DEFAULT_ARGS = {
    "owner": "data-platform",
    "queue": DEFAULT_QUEUE,  # CeleryExecutor: any worker (docs/deployment.md)
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,  # 1, 2, 4 minutes (with jitter)
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": PipelineAlertNotifier("task_failure"),
}


@dag(
    dag_id="spotify_ingest",
    description="Spotify API -> raw CSVs (artists, top tracks, playlists, albums), one day a run",
    # Daily at 06:00 UTC; the run's logical date is that instant, so its snapshot date is the
    # run's own day. Pinned to the trigger timetable so that a change of the
    # `create_cron_data_intervals` setting cannot shift logical dates by a day.
    schedule=CronTriggerTimetable("0 6 * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    params=ingest_params(),
    deadline=deadline_alert(),
    tags=["spotify", "ingestion", "raw"],
    doc_md=__doc__,
)
def spotify_ingest():
    @task
    def plan_run(**context) -> dict:
        from orchestration.run_request import plan_for_task

        return plan_for_task(context)

    @task
    def child_runs(planned: dict) -> list[dict]:
        return planned["children"]

    @task(outlets=[RAW_ARTISTS])
    def extract_artists(planned: dict, **context) -> dict:
        from orchestration.ingest import event_extra
        from orchestration.run_request import run_planned_step

        part = run_planned_step("artists", planned, run_id=context["run_id"])
        context["outlet_events"][RAW_ARTISTS].extra = event_extra(
            part, step="artists", run_id=context["run_id"]
        )
        return part

    @task(outlets=[RAW_TOP_TRACKS])
    def extract_top_tracks(planned: dict, artists: dict, **context) -> dict:
        from orchestration.ingest import event_extra
        from orchestration.run_request import run_planned_step

        part = run_planned_step(
            "top_tracks", planned, run_id=context["run_id"], tier=artists["tier"]
        )
        context["outlet_events"][RAW_TOP_TRACKS].extra = event_extra(
            part, step="top_tracks", run_id=context["run_id"]
        )
        return part

    @task(outlets=[RAW_PLAYLIST_TRACKS])
    def extract_playlists(planned: dict, artists: dict, **context) -> dict:
        from orchestration.ingest import event_extra
        from orchestration.run_request import run_planned_step

        part = run_planned_step(
            "playlist_tracks", planned, run_id=context["run_id"], tier=artists["tier"]
        )
        context["outlet_events"][RAW_PLAYLIST_TRACKS].extra = event_extra(
            part, step="playlist_tracks", run_id=context["run_id"]
        )
        return part

    @task(outlets=[RAW_ALBUMS])
    def extract_albums(
        planned: dict, artists: dict, top_tracks: dict, playlists: dict, **context
    ) -> dict:
        from orchestration.assets import data_dir
        from orchestration.ingest import event_extra, write_run_summary
        from orchestration.run_request import remove_staging, run_planned_step, staging_dir

        part = run_planned_step("albums", planned, run_id=context["run_id"], tier=artists["tier"])
        # Publishes the day (failed playlists included in the summary).
        summary = write_run_summary([artists, top_tracks, playlists, part])
        remove_staging(staging_dir(data_dir(), context["run_id"]))
        extra = event_extra(part, step="albums", run_id=context["run_id"])
        extra["run_summary"] = summary
        context["outlet_events"][RAW_ALBUMS].extra = extra
        return summary

    def extract_open_signal(source: str):
        asset = OPEN_SIGNALS[source]

        @task(task_id=f"extract_{source}", outlets=[asset])
        def extract(planned: dict, top_tracks: dict, playlists: dict, **context) -> dict:
            from orchestration.ingest import event_extra, run_open_signals

            day = date.fromisoformat(planned["snapshot_date"])
            summary = run_open_signals(source, day)
            context["outlet_events"][asset].extra = event_extra(
                summary, step=source, run_id=context["run_id"]
            )
            return summary

        return extract

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def open_signals_settled(deezer: dict | None, lastfm: dict | None) -> dict:
        # Whether each source's day is published: a failed or skipped (off) task returns None.
        return {"deezer": deezer is not None, "lastfm": lastfm is not None}

    @task(outlets=[PUBLISHED_DAYS])
    def announce_day(spotify: dict, open_signals: dict, **context) -> dict:
        from orchestration.ingest import event_extra

        extra = event_extra(spotify, step="publish", run_id=context["run_id"])
        extra["open_signals_published"] = open_signals
        context["outlet_events"][PUBLISHED_DAYS].extra = extra
        return open_signals

    planned = plan_run()
    # A date range: one run per day (no logical date; run_after = the day at 06:00 UTC).
    TriggerDagRunOperator.partial(
        task_id="trigger_daily_runs",
        trigger_dag_id="spotify_ingest",
        openlineage_inject_parent_info=False,
    ).expand_kwargs(child_runs(planned))
    artists = extract_artists(planned)
    top_tracks = extract_top_tracks(planned, artists)
    playlists = extract_playlists(planned, artists)
    # Albums last: it fetches the full albums of the top tracks and playlist tracks.
    spotify = extract_albums(planned, artists, top_tracks, playlists)
    # The open signals read the day's tracks: beside the albums step, each source on its own.
    deezer = extract_open_signal("deezer")(planned, top_tracks, playlists)
    lastfm = extract_open_signal("lastfm")(planned, top_tracks, playlists)
    # spotify_dbt's event once Spotify's day is published (announce_day needs extract_albums'
    # success) and every source's day is published, failed or off (open_signals_settled runs
    # whatever their state).
    announce_day(spotify, open_signals_settled(deezer, lastfm))


spotify_ingest()
