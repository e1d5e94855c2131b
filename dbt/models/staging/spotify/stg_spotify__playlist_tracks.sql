with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__playlist_tracks') }}

),

final as (

    select
        playlist_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(position as integer) as position,
        track_id,
        coalesce(track_json.name, track_name) as track_name,
        track_json.album.id as album_id,
        cast(nullif(added_at, '') as timestamp) as added_at,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        access_tier,
        published_at,
        loaded_at
    from source

)

select * from final
