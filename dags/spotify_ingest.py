"""
### spotify_ingest

Extracts one snapshot day from the Spotify Web API (or the offline sandbox) into the raw layer,
`$DATA_DIR/raw/<entity>/<snapshot date>.csv`, in three tasks: **artists**, then **top tracks**,
then **albums** (which needs the top tracks' albums). The snapshot date is the run's logical
date (UTC day), so a run triggered for a past date (UI, REST API, `airflow backfill create`)
extracts that day: simulated history from the sandbox, a clear `SnapshotDateError` from the real
API, which only knows today.

* The first task detects the access tier (extended / development); the next ones get it through
  XCom, so detection happens once per run.
* Each task is the producer of its raw **Asset** (`raw_artists`, `raw_top_tracks`,
  `raw_albums`); the asset event's `extra` is that step's run summary (rows, requests, retries,
  tier, snapshot date). The albums task also writes `raw/runs/<date>.json`, the merged summary.
  The three assets schedule `spotify_dbt`.
* Credentials: Airflow connection `spotify_default` (login = client id, password = secret;
  extra `api_base_url`, `token_url`, `tier`), else the `SPOTIFY_*` environment, else the offline
  sandbox. Looked up inside the tasks, never when this file is parsed.
* Transient API failures are retried (inside the client, then by Airflow with exponential
  backoff); errors only a person can fix (bad settings, refused credentials, a past date against
  the real API) fail at once.

The logic lives in `orchestration.ingest` and the `ingestion` package; this file only wires it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from orchestration.assets import raw_asset
from orchestration.celery_settings import DEFAULT_QUEUE

RAW_ARTISTS = raw_asset("artists")
RAW_TOP_TRACKS = raw_asset("top_tracks")
RAW_ALBUMS = raw_asset("albums")

DEFAULT_ARGS = {
    "owner": "data-platform",
    "queue": DEFAULT_QUEUE,  # CeleryExecutor: any worker (docs/deployment.md)
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,  # 1, 2, 4 minutes (with jitter)
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
}


def _snapshot_date(context):
    from orchestration.ingest import snapshot_date_for

    return snapshot_date_for(context.get("logical_date"), context["dag_run"].run_after)


@dag(
    dag_id="spotify_ingest",
    description="Spotify API -> raw CSVs (artists, top tracks, albums), one snapshot day a run",
    schedule="0 6 * * *",  # daily, 06:00 UTC
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["spotify", "ingestion", "raw"],
    doc_md=__doc__,
)
def spotify_ingest():
    @task(outlets=[RAW_ARTISTS])
    def extract_artists(**context) -> dict:
        from orchestration.ingest import event_extra, run_step

        part = run_step("artists", _snapshot_date(context))
        context["outlet_events"][RAW_ARTISTS].extra = event_extra(
            part, step="artists", run_id=context["run_id"]
        )
        return part

    @task(outlets=[RAW_TOP_TRACKS])
    def extract_top_tracks(artists: dict, **context) -> dict:
        from orchestration.ingest import event_extra, run_step

        part = run_step("top_tracks", _snapshot_date(context), tier=artists["tier"])
        context["outlet_events"][RAW_TOP_TRACKS].extra = event_extra(
            part, step="top_tracks", run_id=context["run_id"]
        )
        return part

    @task(outlets=[RAW_ALBUMS])
    def extract_albums(artists: dict, top_tracks: dict, **context) -> dict:
        from orchestration.ingest import event_extra, run_step, write_run_summary

        part = run_step("albums", _snapshot_date(context), tier=artists["tier"])
        summary = write_run_summary([artists, top_tracks, part])
        extra = event_extra(part, step="albums", run_id=context["run_id"])
        extra["run_summary"] = summary
        context["outlet_events"][RAW_ALBUMS].extra = extra
        return summary

    artists = extract_artists()
    top_tracks = extract_top_tracks(artists)
    extract_albums(artists, top_tracks)


spotify_ingest()
