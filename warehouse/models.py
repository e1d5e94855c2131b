"""The warehouse models the dashboard reads (docs/interfaces.md section 5), in the order it
needs them. Plain data, no imports: the DAG files read it at parse time."""

MART_MODELS: tuple[str, ...] = (
    "fact_track_popularity",
    "dim_artist",
    "dim_album",
    "dim_track",
    "dim_date",
    "top_artists",
    "top_tracks",
    "popularity_by_release_month",
    "album_vs_track_popularity",
    "catalogue_details",
    "artist_insights",
    "track_movers_7d",
)
