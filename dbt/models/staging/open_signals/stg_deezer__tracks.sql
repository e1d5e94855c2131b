with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_deezer__tracks') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        isrc,
        cast(deezer_track_id as bigint) as deezer_track_id,
        cast(nullif(deezer_artist_id, '') as bigint) as deezer_artist_id,
        cast(nullif(deezer_album_id, '') as bigint) as deezer_album_id,
        track_json.title as track_title,
        cast(track_json.rank as integer) as deezer_rank,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
