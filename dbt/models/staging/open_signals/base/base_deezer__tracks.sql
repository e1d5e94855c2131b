{{ config(materialized='table') }}

-- The only reader of raw/deezer_tracks/: the rows of the published Deezer days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
-- track_json: the fields the warehouse reads, parsed once (macro published_rows).
{{ published_rows('deezer_tracks', 'deezer', parse_json={'track_json': {
    'title': 'VARCHAR',
    'rank': 'VARCHAR',
}}) }}
