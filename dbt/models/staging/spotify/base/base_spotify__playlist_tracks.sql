{{ config(materialized='table') }}

-- The only reader of raw/playlist_tracks/: the rows of the published days a model built from this one
-- does not hold yet (macro published_rows; why only those: the base models' doc).
-- track_json: the track object's fields the warehouse reads, parsed once (macro
-- published_rows; the same fields as the top tracks': spotify_track_fields).
{{ published_rows('playlist_tracks', parse_json={'track_json': spotify_track_fields()}) }}
