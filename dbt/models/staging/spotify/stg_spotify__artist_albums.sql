with source as (

    -- Only the files of the published days this table does not hold yet (macro's doc).
    select * from {{ source('spotify_raw', 'albums') }}
    where {{ published_files('albums') }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

discography as (

    select
        tracked_artist_id,
        album_id,
        cast(snapshot_date as date) as snapshot_date,
        json_extract_string(album_json, '$.album_group') as album_group,
        cast(extracted_at as timestamp) as extracted_at
    from source
    where source = 'artist_albums'

),

final as (

    select
        discography.tracked_artist_id,
        discography.album_id,
        discography.snapshot_date,
        discography.album_group,
        discography.extracted_at,
        days.published_at
    from discography
    inner join days
        on discography.snapshot_date = days.snapshot_date

)

select * from final
