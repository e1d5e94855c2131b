with source as (

    select * from {{ source('spotify_raw', 'albums') }}

),

discography as (

    select
        tracked_artist_id,
        album_id,
        cast(snapshot_date as date) as snapshot_date,
        json_extract_string(album_json, '$.album_group') as album_group,
        cast(extracted_at as timestamp) as extracted_at,
        filename as source_file
    from source
    where source = 'artist_albums'

),

deduplicated as (

    select *
    from discography
    qualify row_number() over (
        partition by tracked_artist_id, album_id, snapshot_date
        order by extracted_at desc, source_file desc
    ) = 1

),

final as (

    select
        tracked_artist_id,
        album_id,
        snapshot_date,
        album_group,
        extracted_at
    from deduplicated

)

select * from final
