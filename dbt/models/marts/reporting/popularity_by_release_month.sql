{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('stg_spotify__days', 'published_at') }}",
) }}

-- Additive by tracked artist and snapshot date, so the dashboard can sum the artists it is
-- asked for: the average over several artists is sum(popularity_sum) / sum(rated_track_count).
-- A track's release date is its album's as that day's album object gives it, so a day reads
-- its own day only. Incremental: only the days whose inputs changed are built (macro
-- dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ dates_to_build('days', reads_previous_day=false) }},

tracks as (

    select * from {{ ref('int_top_tracks_ranked') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

albums as (

    select * from {{ ref('stg_spotify__albums') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

released as (

    select
        tracks.snapshot_date,
        tracks.tracked_artist_id,
        tracks.track_id,
        tracks.popularity,
        cast(year(albums.release_date) as integer) as release_year,
        -- A release known to the year only has no month.
        case
            when albums.release_date_precision in ('month', 'day')
                then cast(month(albums.release_date) as integer)
        end as release_month
    from tracks
    inner join albums
        on tracks.album_id = albums.album_id
        and tracks.snapshot_date = albums.snapshot_date
    where albums.release_date is not null

),

final as (

    select
        released.snapshot_date,
        released.tracked_artist_id,
        released.release_year,
        released.release_month,
        count(*) as track_count,
        count(released.popularity) as rated_track_count,
        cast(sum(released.popularity) as bigint) as popularity_sum,
        round(avg(released.popularity), 1) as avg_popularity,
        day_inputs.published_at
    from released
    inner join day_inputs
        on released.snapshot_date = day_inputs.snapshot_date
    group by all

)

select * from final
