{{ config(materialized='table') }}

-- The only reader of raw/lastfm_tracks/: the rows of the published Last.fm days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
-- track_json: the fields the warehouse reads, parsed once (macro published_rows).
{{ published_rows('lastfm_tracks', 'lastfm', parse_json={'track_json': {
    'track': {'listeners': 'VARCHAR', 'playcount': 'VARCHAR'},
}}) }}
