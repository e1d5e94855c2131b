with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__artists') }}

),

final as (

    select
        artist_id,
        cast(snapshot_date as date) as snapshot_date,
        coalesce(artist_json.name, artist_name) as artist_name,
        cast(artist_json.popularity as integer) as popularity,
        cast(artist_json.followers.total as bigint) as follower_count,
        artist_json.genres as genres,
        artist_json.uri as spotify_uri,
        artist_json.popularity is not null as has_popularity,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        access_tier,
        published_at,
        loaded_at
    from source

)

select * from final
