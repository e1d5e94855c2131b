with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_lastfm__artists') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        artist_name,
        cast(artist_json.artist.stats.listeners as bigint)
            as lastfm_listeners,
        cast(artist_json.artist.stats.playcount as bigint)
            as lastfm_playcount,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
