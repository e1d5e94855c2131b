{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('stg_spotify__days', 'published_at') }}",
) }}

-- album_vs_track_popularity without the names: per snapshot date, the albums of that day's top
-- tracks, the album's popularity against its tracked tracks'. Every measure reads its own day
-- only. album_vs_track_popularity joins the current names and primary artist.
-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ dates_to_build('days', reads_previous_day=false) }},

tracks as (

    select * from {{ ref('int_top_tracks_ranked') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

album_facts as (

    select * from {{ ref('fact_album_popularity') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

track_popularity as (

    select
        album_id,
        snapshot_date,
        round(avg(popularity), 1) as avg_track_popularity,
        max(popularity) as max_track_popularity,
        count(*) as tracked_track_count,
        -- Every artist the album's tracked tracks belong to or were tracked through: what the
        -- dashboard's artist filter matches.
        list_sort(list_distinct(list(artist_id) || list(tracked_artist_id))) as track_artist_ids
    from tracks
    group by album_id, snapshot_date

),

final as (

    select
        track_popularity.album_id,
        track_popularity.snapshot_date,
        track_popularity.track_artist_ids,
        album_facts.popularity as album_popularity,
        track_popularity.avg_track_popularity,
        track_popularity.max_track_popularity,
        track_popularity.tracked_track_count,
        round(album_facts.popularity - track_popularity.avg_track_popularity, 1) as popularity_gap,
        day_inputs.published_at
    from track_popularity
    inner join day_inputs
        on track_popularity.snapshot_date = day_inputs.snapshot_date
    left join album_facts
        on track_popularity.album_id = album_facts.album_id
        and track_popularity.snapshot_date = album_facts.snapshot_date

)

select * from final
