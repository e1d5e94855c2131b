{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('stg_spotify__days', 'published_at') }}",
) }}

-- top_tracks without the names: the tracked artists' top tracks per day (or search results),
-- ranked that day, with the change of each track's top-track rank since the previous
-- calendar day. Nothing here describes a track, so a renamed track or artist rebuilds no row:
-- top_tracks joins the current names to these rows.
-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ dates_to_build('days') }},

facts as (

    -- A track tracked only through a playlist has no artist or rank to report here
    -- (fact_playlist_track). The days to build and the day before each.
    select * from {{ ref('fact_track_popularity') }}
    where ranking_source is distinct from 'playlist'
        and snapshot_date in (select snapshot_date from dates_to_read)

),

final as (

    select
        facts.track_id,
        facts.snapshot_date,
        facts.date_key,
        facts.artist_id,
        facts.tracked_artist_id,
        facts.album_id,
        facts.popularity,
        facts.popularity_change,
        -- Always filled: ties and missing popularity (Development Mode) fall back to the
        -- rank in the artist's top tracks, then the track id (never a name, which may change).
        cast(row_number() over (
            partition by facts.snapshot_date
            order by facts.popularity desc nulls last, facts.top_track_rank, facts.track_id
        ) as integer) as popularity_rank,
        facts.top_track_rank,
        -- Positive: the track climbed in its tracked artist's list since the previous day.
        previous_day.top_track_rank - facts.top_track_rank as top_track_rank_change,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from facts
    inner join day_inputs
        on facts.snapshot_date = day_inputs.snapshot_date
    left join facts as previous_day
        on facts.track_id = previous_day.track_id
        and facts.snapshot_date - 1 = previous_day.snapshot_date
    where facts.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
