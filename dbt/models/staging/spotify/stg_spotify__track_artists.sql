with top_tracks as (

    -- Only the files of the published days this table does not hold yet (macro's doc).
    select * from {{ source('spotify_raw', 'top_tracks') }}
    where {{ published_files('top_tracks') }}

),

playlist_tracks as (

    -- The same for the playlist tracks, of the days that have a playlist file.
    {{ published_rows('spotify_raw', 'playlist_tracks') }}

),

source as (

    -- The track objects of both: a playlist track is described like a top track. Top tracks
    -- first (source_order) when a track is in both on a day.
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename,
        0 as source_order
    from top_tracks
    union all
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename,
        1 as source_order
    from playlist_tracks

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
