with source as (

    -- Only the files of the published days this table does not hold yet, and only of the
    -- days that have one: days published before playlists were tracked have none (macro's doc).
    {{ published_rows('spotify_raw', 'playlist_tracks') }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

renamed as (

    select
        playlist_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(position as integer) as position,
        track_id,
        coalesce(json_extract_string(track_json, '$.name'), track_name) as track_name,
        json_extract_string(track_json, '$.album.id') as album_id,
        cast(nullif(added_at, '') as timestamp) as added_at,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        access_tier
    from source

),

final as (

    select
        renamed.playlist_id,
        renamed.snapshot_date,
        renamed.position,
        renamed.track_id,
        renamed.track_name,
        renamed.album_id,
        renamed.added_at,
        renamed.extracted_at,
        renamed.data_source,
        renamed.access_tier,
        days.published_at
    from renamed
    inner join days
        on renamed.snapshot_date = days.snapshot_date

)

select * from final
