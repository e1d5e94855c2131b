with source as (

    -- The published Deezer days this table does not hold yet (macro published_rows).
    {{ published_rows('deezer_matches', 'deezer') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        spotify_track_id,
        nullif(isrc, '') as isrc,
        outcome,
        reason,
        cast(nullif(deezer_track_id, '') as bigint) as deezer_track_id,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
