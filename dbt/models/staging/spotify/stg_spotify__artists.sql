with source as (

    -- Only the files of the published days this table does not hold yet (macro's doc).
    select * from {{ source('spotify_raw', 'artists') }}
    where {{ published_files('artists') }}

),

days as (

    select * from {{ ref('stg_spotify__days') }}

),

parsed as (

    select
        artist_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(extracted_at as timestamp) as extracted_at,
        coalesce(json_extract_string(artist_json, '$.name'), artist_name) as artist_name,
        cast(json_extract_string(artist_json, '$.popularity') as integer) as popularity,
        cast(json_extract_string(artist_json, '$.followers.total') as bigint) as follower_count,
        cast(json_extract(artist_json, '$.genres') as varchar[]) as genres,
        json_extract_string(artist_json, '$.uri') as spotify_uri,
        json_extract(artist_json, '$.popularity') is not null as has_popularity,
        data_source,
        access_tier
    from source

),

final as (

    select
        parsed.artist_id,
        parsed.snapshot_date,
        parsed.artist_name,
        parsed.popularity,
        parsed.follower_count,
        parsed.genres,
        parsed.spotify_uri,
        parsed.has_popularity,
        parsed.extracted_at,
        parsed.data_source,
        parsed.access_tier,
        days.published_at
    from parsed
    inner join days
        on parsed.snapshot_date = days.snapshot_date

)

select * from final
