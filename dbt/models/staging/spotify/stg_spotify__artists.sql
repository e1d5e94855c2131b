with source as (

    select * from {{ source('spotify_raw', 'artists') }}

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
        filename as source_file
    from source

),

deduplicated as (

    select *
    from parsed
    qualify row_number() over (
        partition by artist_id, snapshot_date
        order by extracted_at desc, source_file desc
    ) = 1

),

final as (

    select
        artist_id,
        snapshot_date,
        artist_name,
        popularity,
        follower_count,
        genres,
        spotify_uri,
        has_popularity,
        extracted_at
    from deduplicated

)

select * from final
