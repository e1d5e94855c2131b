with source as (

    -- The track objects of the published days not loaded yet (macro's doc).
    {{ published_track_objects() }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

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
        filename as source_file,
        source_order
    from source

),

deduplicated as (

    -- A track can be a top track of two tracked artists (a collaboration), or in a playlist
    -- too: one row per day.
    select *
    from parsed
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by source_order, extracted_at desc, source_file desc
    ) = 1

),

final as (

    select
        deduplicated.track_id,
        deduplicated.snapshot_date,
        deduplicated.track_name,
        deduplicated.album_id,
        deduplicated.primary_artist_id,
        deduplicated.popularity,
        deduplicated.duration_ms,
        deduplicated.is_explicit,
        deduplicated.isrc,
        deduplicated.disc_number,
        deduplicated.track_number,
        deduplicated.spotify_uri,
        deduplicated.extracted_at,
        days.published_at
    from deduplicated
    inner join days
        on deduplicated.snapshot_date = days.snapshot_date

)

select * from final
