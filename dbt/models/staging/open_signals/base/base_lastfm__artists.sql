{{ config(materialized='table') }}

-- The only reader of raw/lastfm_artists/: the rows of the published Last.fm days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
-- artist_json: the fields the warehouse reads, parsed once (macro published_rows).
{{ published_rows('lastfm_artists', 'lastfm', parse_json={'artist_json': {
    'artist': {'stats': {'listeners': 'VARCHAR', 'playcount': 'VARCHAR'}},
}}) }}
