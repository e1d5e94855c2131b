with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_lastfm__tracks') }}

),

final as (

    -- Keyed by the names sent (Spotify's primary artist and title): Last.fm may answer with
    -- its own spelling, kept in the JSON. Counts come as strings.
    select
        cast(snapshot_date as date) as snapshot_date,
        artist_name,
        track_name,
        cast(track_json.track.listeners as bigint) as lastfm_listeners,
        cast(track_json.track.playcount as bigint) as lastfm_playcount,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
