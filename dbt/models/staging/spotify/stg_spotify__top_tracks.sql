with source as (

    select * from {{ source('spotify_raw', 'top_tracks') }}

),

renamed as (

    select
        cast(snapshot_date as date) as snapshot_date,
        tracked_artist_id,
        cast(rank as integer) as top_track_rank,
        track_id,
        source as ranking_source,
        cast(extracted_at as timestamp) as extracted_at,
        filename as source_file
    from source

),

deduplicated as (

    select *
    from renamed
    qualify row_number() over (
        partition by snapshot_date, tracked_artist_id, top_track_rank
        order by extracted_at desc, source_file desc
    ) = 1

),

final as (

    select
        snapshot_date,
        tracked_artist_id,
        top_track_rank,
        track_id,
        ranking_source,
        extracted_at
    from deduplicated

)

select * from final
