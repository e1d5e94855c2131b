with source as (

    -- Only the files of the published days this table does not hold yet (macro's doc).
    select * from {{ source('spotify_raw', 'albums') }}
    where {{ published_files('albums') }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

parsed as (

    select
        album_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(extracted_at as timestamp) as extracted_at,
        source as album_source,
        coalesce(json_extract_string(album_json, '$.name'), album_name) as album_name,
        json_extract_string(album_json, '$.album_type') as album_type,
        cast(json_extract_string(album_json, '$.total_tracks') as integer) as total_tracks,
        json_extract_string(album_json, '$.release_date') as release_date_raw,
        json_extract_string(album_json, '$.release_date_precision') as release_date_precision_raw,
        json_extract_string(album_json, '$.label') as label,
        cast(json_extract_string(album_json, '$.popularity') as integer) as popularity,
        json_extract_string(album_json, '$.artists[0].id') as primary_artist_id,
        json_extract_string(album_json, '$.uri') as spotify_uri,
        filename as source_file,
        data_source,
        access_tier
    from source

),

release_dates as (

    select
        *,
        {{ parse_release_date('release_date_raw', 'release_date_precision_raw') }} as release_date,
        {{ release_date_precision('release_date_raw', 'release_date_precision_raw') }}
            as release_date_precision
    from parsed

),

deduplicated as (

    -- An album appears once per tracked artist listing it plus once as a full object: keep
    -- the full object (label, popularity) when there is one.
    select *
    from release_dates
    qualify row_number() over (
        partition by album_id, snapshot_date
        order by
            case album_source when 'album' then 0 else 1 end,
            extracted_at desc,
            source_file desc
    ) = 1

),

final as (

    select
        deduplicated.album_id,
        deduplicated.snapshot_date,
        deduplicated.album_name,
        deduplicated.album_type,
        deduplicated.total_tracks,
        deduplicated.release_date,
        deduplicated.release_date_precision,
        deduplicated.release_date_raw,
        deduplicated.label,
        deduplicated.popularity,
        deduplicated.primary_artist_id,
        deduplicated.spotify_uri,
        deduplicated.album_source = 'album' as has_full_details,
        deduplicated.extracted_at,
        deduplicated.data_source,
        deduplicated.access_tier,
        days.published_at
    from deduplicated
    inner join days
        on deduplicated.snapshot_date = days.snapshot_date

)

select * from final
