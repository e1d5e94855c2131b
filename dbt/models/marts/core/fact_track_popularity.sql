{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days() }}",
) }}

-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ dates_to_build('days') }},

tracks as (

    -- The days to build and the day before each (for the changes).
    select * from {{ ref('stg_spotify__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

rankings as (

    -- How each track is tracked that day: in a tracked artist's top tracks (or search
    -- results), or in a roster playlist (no artist, no rank: its positions are in
    -- fact_playlist_track).
    select track_id, snapshot_date, tracked_artist_id, top_track_rank, ranking_source, extracted_at
    from {{ ref('stg_spotify__top_tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)
    union all
    select track_id, snapshot_date, null, null, 'playlist', extracted_at
    from {{ ref('stg_spotify__playlist_tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

best_rankings as (

    -- A track counts once a day: an artist's top tracks (or search) win over a playlist; a
    -- track in the top tracks of two tracked artists counts for the artist ranking it
    -- highest (then the smaller artist id, to stay deterministic). extracted_at is the day's
    -- latest extraction.
    select
        * exclude (extracted_at),
        max(extracted_at) over (partition by snapshot_date) as extracted_at
    from rankings
    qualify row_number() over (
        partition by track_id, snapshot_date
        order by ranking_source = 'playlist', top_track_rank, tracked_artist_id
    ) = 1

),

final as (

    select
        best_rankings.track_id,
        best_rankings.snapshot_date,
        cast(strftime(best_rankings.snapshot_date, '%Y%m%d') as integer) as date_key,
        tracks.album_id,
        tracks.primary_artist_id as artist_id,
        best_rankings.tracked_artist_id,
        tracks.popularity,
        tracks.popularity - previous_day.popularity as popularity_change,
        best_rankings.top_track_rank,
        best_rankings.ranking_source,
        best_rankings.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from best_rankings
    inner join tracks
        on best_rankings.track_id = tracks.track_id
        and best_rankings.snapshot_date = tracks.snapshot_date
    inner join day_inputs
        on best_rankings.snapshot_date = day_inputs.snapshot_date
    left join tracks as previous_day
        on best_rankings.track_id = previous_day.track_id
        and best_rankings.snapshot_date - 1 = previous_day.snapshot_date

)

select * from final
