with source as (

    -- The published Last.fm days this table does not hold yet (macro published_rows).
    {{ published_rows('lastfm_matches', 'lastfm') }}

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
