with top_tracks as (

    -- The published days this table does not hold yet (see the base models).
    select * from {{ ref('base_spotify__top_tracks') }}

),

playlist_tracks as (

    select * from {{ ref('base_spotify__playlist_tracks') }}

),

track_objects as (

    -- A playlist track is described like a top track: source_order 0 (top tracks) before 1
    -- (playlists) when a track is in both on a day.
    select
        track_id, snapshot_date, extracted_at, track_name, track_json, filename, published_at,
        loaded_at, 0 as source_order
    from top_tracks
    union all
    select
        track_id, snapshot_date, extracted_at, track_name, track_json, filename, published_at,
        loaded_at, 1 as source_order
    from playlist_tracks

),

final as (

    -- A track can be a top track of two tracked artists (a collaboration), or in a playlist
    -- too: one row per day, the top tracks' object first.
    select
        track_id,
        cast(snapshot_date as date) as snapshot_date,
        coalesce(track_json.name, track_name) as track_name,
        track_json.album.id as album_id,
        track_json.artists[1].id as primary_artist_id,
        cast(track_json.popularity as integer) as popularity,
        cast(track_json.duration_ms as integer) as duration_ms,
        cast(track_json.explicit as boolean) as is_explicit,
        track_json.external_ids.isrc as isrc,
        cast(track_json.disc_number as integer) as disc_number,
        cast(track_json.track_number as integer) as track_number,
        track_json.uri as spotify_uri,
        cast(extracted_at as timestamp) as extracted_at,
        published_at,
        loaded_at
    from track_objects
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by source_order, extracted_at desc, filename desc
    ) = 1

)

select * from final
