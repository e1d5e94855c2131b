with source as (

    select * from {{ source('spotify_raw', 'top_tracks') }}

),

track_artists as (

    select
        source.track_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.id') as artist_id,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(source.extracted_at as timestamp) as extracted_at
    from source, json_each(source.track_json, '$.artists') as artist

),

deduplicated as (

    select *
    from track_artists
    qualify row_number() over (
        partition by track_id, artist_id, snapshot_date
        order by extracted_at desc, artist_position
    ) = 1

),

final as (

    select
        track_id,
        artist_id,
        snapshot_date,
        artist_position,
        artist_name,
        artist_position = 1 as is_primary_artist,
        extracted_at
    from deduplicated

)

select * from final
