with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__top_tracks') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        tracked_artist_id,
        cast(rank as integer) as top_track_rank,
        track_id,
        source as ranking_source,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        access_tier,
        published_at,
        loaded_at
    from source

)

select * from final
