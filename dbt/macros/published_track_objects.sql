{#-
    The track objects of the published days a staging model does not hold yet, from the top
    tracks and the playlist tracks alike (a playlist track is described like a top track):
    `track_id, snapshot_date, extracted_at, track_name, track_json, filename, source_order`,
    where source_order 0 (top tracks) comes before 1 (playlists) when a track is in both on a
    day. Shared by stg_spotify__tracks and stg_spotify__track_artists, which read the same
    objects for different columns.
-#}
{% macro published_track_objects() %}
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename,
        0 as source_order
    from {{ source('spotify_raw', 'top_tracks') }}
    where {{ published_files('top_tracks') }}
    union all
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename,
        1 as source_order
    from ({{ published_rows('spotify_raw', 'playlist_tracks') }}) as playlist_tracks
{% endmacro %}
