"""
### spotify_ingest

One snapshot day (the run's logical date, UTC) from the Spotify Web API, or the offline sandbox,
into the raw layer: **artists**, **top tracks**, the roster's **playlists**, then **albums**,
each task the producer of its raw Asset; the albums task publishes Spotify's day. Beside the
albums, **extract_deezer** and **extract_lastfm** look up the day's tracks on the open-signal
sources and publish each source's day (each fails alone; `OPEN_SIGNALS` turns them off).
`announce_day` then emits `raw_published_days`, which schedules `spotify_dbt`. Trigger form:
`artists` (a subset of the roster) and `access_tier`; a date range is a **backfill** (Trigger,
Backfill; or `airflow backfill create --dag-run-conf`), one run per day with the same form.
Failures and missed deadlines alert by email and webhook.

Details: `docs/orchestration.md` (the DAGs) and `docs/operations.md` (trigger form, backfills,
alerts) in the repository; the logic lives in `orchestration.ingest` and `ingestion`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from airflow.sdk import CronTriggerTimetable, TriggerRule, dag, task

from orchestration.alerts import PipelineAlertNotifier, deadline_alert
from orchestration.assets import (
    INGEST_DAG_ID,
    SCHEDULE_HOUR,
    open_signal_asset,
    published_days_asset,
    raw_asset,
)
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
    dag_id=INGEST_DAG_ID,
    description="Spotify API -> raw CSVs (artists, top tracks, playlists, albums), one day a run",
    # Daily at 06:00 UTC; the run's logical date is that instant, so its snapshot date is the
    # run's own day. Pinned to the trigger timetable so that a change of the
    # `create_cron_data_intervals` setting cannot shift logical dates by a day.
    schedule=CronTriggerTimetable(f"0 {SCHEDULE_HOUR} * * *", timezone="UTC"),
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
        from ingestion.paths import data_dir
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
