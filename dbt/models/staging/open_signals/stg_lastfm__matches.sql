with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_lastfm__matches') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        spotify_track_id,
        nullif(isrc, '') as isrc,
        artist_name,
        track_name,
        match_method,
        outcome,
        reason,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
