with source as (

    -- Only the files of the published days this table does not hold yet (macro's doc).
    select * from {{ source('spotify_raw', 'top_tracks') }}
    where {{ published_files('top_tracks') }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

renamed as (

    select
        cast(snapshot_date as date) as snapshot_date,
        tracked_artist_id,
        cast(rank as integer) as top_track_rank,
        track_id,
        source as ranking_source,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        access_tier
    from source

),

final as (

    select
        renamed.snapshot_date,
        renamed.tracked_artist_id,
        renamed.top_track_rank,
        renamed.track_id,
        renamed.ranking_source,
        renamed.extracted_at,
        renamed.data_source,
        renamed.access_tier,
        days.published_at
    from renamed
    inner join days
        on renamed.snapshot_date = days.snapshot_date

)

select * from final
