{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('stg_spotify__days', 'published_at') }}",
) }}

-- artist_insights without the names: per tracked artist and day, the artist's audience, the
-- shape of its discography as listed that day and its own top tracks that day, each measured
-- with that day's objects (an album's total tracks and release date, a track's duration as
-- the day's raw files give them). Every measure reads its own day only, so a day costs the
-- same whatever the history; artist_insights joins the current names.
-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ dates_to_build('days', reads_previous_day=false) }},

artist_facts as (

    select * from {{ ref('fact_artist_popularity') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

discographies as (

    select * from {{ ref('stg_spotify__artist_albums') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

albums as (

    select * from {{ ref('stg_spotify__albums') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

rankings as (

    select * from {{ ref('stg_spotify__top_tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

tracks as (

    select * from {{ ref('stg_spotify__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

track_facts as (

    select * from {{ ref('fact_track_popularity') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

album_stats as (

    select
        discographies.tracked_artist_id as artist_id,
        discographies.snapshot_date,
        count(distinct discographies.album_id) as album_count,
        round(avg(albums.total_tracks), 1) as avg_tracks_per_album,
        min(albums.release_date) as first_release_date,
        max(albums.release_date) as latest_release_date
    from discographies
    inner join albums
        on discographies.album_id = albums.album_id
        and discographies.snapshot_date = albums.snapshot_date
    group by all

),

track_stats as (

    -- Each tracked artist's own top-tracks list that day (a collaboration counts for both
    -- artists here, unlike in the fact, which keeps one row per track).
    select
        rankings.tracked_artist_id as artist_id,
        rankings.snapshot_date,
        count(*) as top_track_count,
        round(avg(track_facts.popularity), 1) as avg_track_popularity,
        round(avg(tracks.duration_ms) / 60000.0, 2) as avg_track_duration_minutes,
        round(avg(case when tracks.is_explicit then 1.0 else 0.0 end), 4) as explicit_track_share,
        min_by(rankings.track_id, rankings.top_track_rank) as top_track_id
    from rankings
    left join track_facts
        on rankings.track_id = track_facts.track_id
        and rankings.snapshot_date = track_facts.snapshot_date
    left join tracks
        on rankings.track_id = tracks.track_id
        and rankings.snapshot_date = tracks.snapshot_date
    group by all

),

final as (

    select
        artist_facts.artist_id,
        artist_facts.snapshot_date,
        artist_facts.popularity,
        artist_facts.followers,
        album_stats.* exclude (artist_id, snapshot_date),
        track_stats.* exclude (artist_id, snapshot_date),
        day_inputs.published_at
    from artist_facts
    inner join day_inputs
        on artist_facts.snapshot_date = day_inputs.snapshot_date
    left join album_stats
        on artist_facts.artist_id = album_stats.artist_id
        and artist_facts.snapshot_date = album_stats.snapshot_date
    left join track_stats
        on artist_facts.artist_id = track_stats.artist_id
        and artist_facts.snapshot_date = track_stats.snapshot_date

)

select * from final
