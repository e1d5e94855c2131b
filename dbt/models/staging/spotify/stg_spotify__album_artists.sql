with source as (

    -- The published days this table does not hold yet (macro's doc).
    {{ published_rows('albums') }}

),

album_artists as (

    select
        source.album_id,
        json_extract_string(artist.value, '$.id') as artist_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(artist.key as integer) = 0 as is_primary_artist,
        cast(source.extracted_at as timestamp) as extracted_at,
        source.published_at,
        source.loaded_at
    from source, json_each(source.album_json, '$.artists') as artist

),

final as (

    select *
    from album_artists
    qualify row_number() over (
        partition by album_id, artist_id, snapshot_date
        order by extracted_at desc, artist_position
    ) = 1

)

select * from final
