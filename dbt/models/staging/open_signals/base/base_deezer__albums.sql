{{ config(materialized='table') }}

-- The only reader of raw/deezer_albums/: the rows of the published Deezer days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
-- album_json: the field the warehouse reads, parsed once (macro published_rows).
{{ published_rows('deezer_albums', 'deezer', parse_json={'album_json': {'fans': 'VARCHAR'}}) }}
