with source as (

    -- The track objects of the published days this table does not hold yet (macro's doc).
    {{ published_track_objects() }}

),

final as (

    -- A track can be a top track of two tracked artists (a collaboration), or in a playlist
    -- too: one row per day, the top tracks' object first.
    select
        track_id,
        cast(snapshot_date as date) as snapshot_date,
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
        cast(extracted_at as timestamp) as extracted_at,
        published_at,
        loaded_at
    from source
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by source_order, extracted_at desc, filename desc
    ) = 1

)

select * from final
