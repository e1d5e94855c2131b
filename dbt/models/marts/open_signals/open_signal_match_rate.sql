-- The match rate per day and source: the share of the day's Spotify tracks (top tracks and
-- playlist tracks) the source matched, with every other outcome counted. Rebuilt from the
-- staging tables on every build (a few rows a day), so it is the same whatever order the
-- days arrived in.

with deezer as (

    select snapshot_date, 'deezer' as source, outcome from {{ ref('stg_deezer__matches') }}

),

lastfm as (

    select snapshot_date, 'lastfm' as source, outcome from {{ ref('stg_lastfm__matches') }}

),

outcomes as (

    select * from deezer
    union all
    select * from lastfm

),

final as (

    select
        snapshot_date,
        source,
        count(*) as tracks,
        count(*) filter (where outcome = 'matched') as matched,
        count(*) filter (where outcome = 'not_found') as not_found,
        count(*) filter (where outcome = 'no_isrc') as no_isrc,
        count(*) filter (where outcome = 'malformed_isrc') as malformed_isrc,
        count(*) filter (where outcome = 'bad_body') as bad_body,
        round(count(*) filter (where outcome = 'matched') / count(*), 4) as match_rate
    from outcomes
    group by snapshot_date, source

)

select * from final
