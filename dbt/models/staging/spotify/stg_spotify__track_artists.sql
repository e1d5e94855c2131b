with source as (

    -- The track objects of the published days not loaded yet (macro's doc).
    {{ published_track_objects() }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

track_artists as (

    select
        source.track_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.id') as artist_id,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(source.extracted_at as timestamp) as extracted_at,
        source.source_order
    from source, json_each(source.track_json, '$.artists') as artist

),

deduplicated as (

    select *
    from track_artists
    qualify row_number() over (
        partition by track_id, artist_id, snapshot_date
        order by source_order, extracted_at desc, artist_position
    ) = 1

),

final as (

    select
        deduplicated.track_id,
        deduplicated.artist_id,
        deduplicated.snapshot_date,
        deduplicated.artist_position,
        deduplicated.artist_name,
        deduplicated.artist_position = 1 as is_primary_artist,
        deduplicated.extracted_at,
        days.published_at
    from deduplicated
    inner join days
        on deduplicated.snapshot_date = days.snapshot_date

)

select * from final
