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
# Open signals (Deezer, Last.fm), per day: the "Across platforms" page, and what a Development
# Mode app shows where Spotify gives no popularity. Empty (but exported) when no open-signal
# day is published.
OPEN_SIGNAL_MARTS: tuple[str, ...] = (
    "fact_track_open_signals",
    "fact_artist_open_signals",
    "open_signal_match_rate",
    "track_movers_open_signals_7d",
    "artist_movers_open_signals_7d",
)
MART_MODELS += OPEN_SIGNAL_MARTS
