-- The artists of the album objects of the published days this table does not hold yet.
{{ artist_bridge(published_rows('albums'), key='album_id', json_column='album_json') }}
