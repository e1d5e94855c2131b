with source as (

    select * from {{ source('spotify_raw', 'top_tracks') }}

),

parsed as (

    select
        track_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(extracted_at as timestamp) as extracted_at,
        coalesce(json_extract_string(track_json, '$.name'), track_name) as track_name,
        json_extract_string(track_json, '$.album.id') as album_id,
        json_extract_string(track_json, '$.artists[0].id') as primary_artist_id,
        cast(json_extract_string(track_json, '$.popularity') as integer) as popularity,
        cast(json_extract_string(track_json, '$.duration_ms') as integer) as duration_ms,
        cast(json_extract_string(track_json, '$.explicit') as boolean) as is_explicit,
        json_extract_string(track_json, '$.external_ids.isrc') as isrc,
        cast(json_extract_string(track_json, '$.disc_number') as integer) as disc_number,
        cast(json_extract_string(track_json, '$.track_number') as integer) as track_number,
        json_extract_string(track_json, '$.uri') as spotify_uri,
        filename as source_file
    from source

),

deduplicated as (

    -- A track can be a top track of two tracked artists (a collaboration): one row per day.
    select *
    from parsed
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by extracted_at desc, source_file desc
    ) = 1

),

final as (

    select
        track_id,
        snapshot_date,
        track_name,
        album_id,
        primary_artist_id,
        popularity,
        duration_ms,
        is_explicit,
        isrc,
        disc_number,
        track_number,
        spotify_uri,
        extracted_at
    from deduplicated

)

select * from final
