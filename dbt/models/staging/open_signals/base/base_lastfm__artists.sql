{{ config(materialized='table') }}

-- The only reader of raw/lastfm_artists/: the rows of the published Last.fm days a model built
-- from this one does not hold yet (macro published_rows; why only those: the base models' doc).
{{ published_rows('lastfm_artists', 'lastfm') }}
