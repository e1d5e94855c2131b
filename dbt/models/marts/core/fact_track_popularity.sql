-- Incremental, delete+insert on snapshot_date (dbt_project.yml): only the days whose inputs
-- changed are built (macro fact_dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

top_tracks as (

    select * from {{ ref('stg_spotify__top_tracks') }}

),

playlist_tracks as (

    select * from {{ ref('stg_spotify__playlist_tracks') }}

),

tracks as (

    select * from {{ ref('stg_spotify__tracks') }}

),

{{ fact_dates_to_build('days') }},

rankings as (

    -- How each track is tracked that day: in a tracked artist's top tracks (or search
    -- results), or in a roster playlist (no artist, no rank: its positions are in
    -- fact_playlist_track).
    select
        snapshot_date,
        track_id,
        tracked_artist_id,
        top_track_rank,
        ranking_source,
        extracted_at
    from top_tracks
    where snapshot_date in (select snapshot_date from dates_to_build)
    union all
    select
        snapshot_date,
        track_id,
        cast(null as varchar) as tracked_artist_id,
        cast(null as integer) as top_track_rank,
        'playlist' as ranking_source,
        extracted_at
    from playlist_tracks
    where snapshot_date in (select snapshot_date from dates_to_build)

),

best_rankings as (

    -- A track counts once a day: an artist's top tracks (or search) win over a playlist; a
    -- track in the top tracks of two tracked artists counts for the artist ranking it
    -- highest (then the smaller artist id, to stay deterministic).
    select *
    from rankings
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by
            case ranking_source when 'playlist' then 1 else 0 end,
            top_track_rank,
            tracked_artist_id
    ) = 1

),

extractions as (

    select snapshot_date, max(extracted_at) as extracted_at
    from rankings
    group by snapshot_date

),

previous_day as (

    select
        track_id,
        snapshot_date + 1 as next_snapshot_date,
        popularity as previous_popularity
    from tracks
    where snapshot_date + 1 in (select snapshot_date from dates_to_build)

),

joined as (

    select
        best_rankings.track_id,
        best_rankings.snapshot_date,
        tracks.album_id,
        tracks.primary_artist_id as artist_id,
        best_rankings.tracked_artist_id,
        tracks.popularity,
        tracks.popularity - previous_day.previous_popularity as popularity_change,
        best_rankings.top_track_rank,
        best_rankings.ranking_source,
        extractions.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from best_rankings
    inner join tracks
        on best_rankings.track_id = tracks.track_id
        and best_rankings.snapshot_date = tracks.snapshot_date
    inner join extractions
        on best_rankings.snapshot_date = extractions.snapshot_date
    inner join day_inputs
        on best_rankings.snapshot_date = day_inputs.snapshot_date
    left join previous_day
        on best_rankings.track_id = previous_day.track_id
        and best_rankings.snapshot_date = previous_day.next_snapshot_date

),

final as (

    select
        track_id,
        snapshot_date,
        cast(strftime(snapshot_date, '%Y%m%d') as integer) as date_key,
        album_id,
        artist_id,
        tracked_artist_id,
        popularity,
        popularity_change,
        top_track_rank,
        ranking_source,
        extracted_at,
        published_at,
        previous_day_published_at
    from joined

)

select * from final
