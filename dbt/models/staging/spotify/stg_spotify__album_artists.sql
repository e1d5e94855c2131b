with source as (

    select * from {{ source('spotify_raw', 'albums') }}

),

album_artists as (

    select
        source.album_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.id') as artist_id,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(source.extracted_at as timestamp) as extracted_at
    from source, json_each(source.album_json, '$.artists') as artist

),

deduplicated as (

    select *
    from album_artists
    qualify row_number() over (
        partition by album_id, artist_id, snapshot_date
        order by extracted_at desc, artist_position
    ) = 1

),

final as (

    select
        album_id,
        artist_id,
        snapshot_date,
        artist_position,
        artist_name,
        artist_position = 1 as is_primary_artist,
        extracted_at
    from deduplicated

)

select * from final
