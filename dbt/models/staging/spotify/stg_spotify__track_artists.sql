-- The artists of the track objects of the published days this table does not hold yet, the
-- top tracks' object before the playlists' (macro published_track_objects).
{{ artist_bridge(
    published_track_objects(), key='track_id', json_column='track_json',
    preferred='source.source_order'
) }}
