{{ config(materialized='table') }}

-- The only reader of raw/deezer_artists/: the rows of the published Deezer days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
-- artist_json: the field the warehouse reads, parsed once (macro published_rows).
{{ published_rows('deezer_artists', 'deezer', parse_json={'artist_json': {'nb_fan': 'VARCHAR'}}) }}
