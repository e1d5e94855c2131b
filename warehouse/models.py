"""The warehouse models exported for the dashboard (docs/interfaces.md section 5), in the order
it needs them. Plain data, no imports: the DAG files read it at parse time."""

MART_MODELS: tuple[str, ...] = (
    # Core models: exported for analysts' own notebooks; the dashboard reads the marts below.
    "fact_track_popularity",
    "fact_artist_popularity",
    "fact_album_popularity",
    "dim_artist",
    "dim_album",
    "dim_track",
    "dim_date",
    # Reporting marts, one row per snapshot date where the dashboard filters by date.
    "top_tracks",
    "top_artists",
    "artist_popularity_daily",
    "artist_movers_7d",
    "track_movers_7d",
    "popularity_by_release_month",
    "album_vs_track_popularity",
    "artist_insights",
    "catalogue_details",
)
