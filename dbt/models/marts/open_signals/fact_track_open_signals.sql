{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Open popularity signals per Spotify track and day (a track either source matched): Deezer
-- rank, Last.fm listeners and cumulative playcount, each with its change since the previous
-- calendar day (NULL when that day has no value); `lastfm_plays` is the playcount's change:
-- the plays of the day. A re-released recording carries its Deezer rank on every Spotify
-- track with its ISRC; `is_deezer_canonical` marks the one to count (bridge's rule).
-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ dates_to_build('days', inputs='published_inputs') }},

bridge as (

    -- The days to build and the day before each (for the changes).
    select * from {{ ref('bridge_spotify_open_signals') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

deezer_tracks as (

    select isrc, snapshot_date, deezer_rank from {{ ref('stg_deezer__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

lastfm_tracks as (

    select artist_name, track_name, snapshot_date, lastfm_listeners, lastfm_playcount
    from {{ ref('stg_lastfm__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

measured as (

    select
        bridge.spotify_track_id,
        bridge.snapshot_date,
        bridge.date_key,
        bridge.spotify_album_id,
        bridge.spotify_artist_id,
        bridge.deezer_track_id,
        bridge.is_deezer_canonical,
        deezer_tracks.deezer_rank,
        lastfm_tracks.lastfm_listeners,
        lastfm_tracks.lastfm_playcount
    from bridge
    left join deezer_tracks
        on bridge.deezer_outcome = 'matched'
        and bridge.isrc = deezer_tracks.isrc
        and bridge.snapshot_date = deezer_tracks.snapshot_date
    left join lastfm_tracks
        on bridge.lastfm_outcome = 'matched'
        and bridge.lastfm_artist_name = lastfm_tracks.artist_name
        and bridge.lastfm_track_name = lastfm_tracks.track_name
        and bridge.snapshot_date = lastfm_tracks.snapshot_date
    where bridge.deezer_outcome = 'matched' or bridge.lastfm_outcome = 'matched'

),

with_previous_day as (

    -- The track's measures the calendar day before (NULL when it has no row that day): a
    -- one-day window frame, not a self-join, so a year built at once sorts the rows once.
    select
        *,
        max(deezer_rank) over previous_day as previous_deezer_rank,
        max(lastfm_listeners) over previous_day as previous_lastfm_listeners,
        max(lastfm_playcount) over previous_day as previous_lastfm_playcount
    from measured
    window previous_day as (
        partition by spotify_track_id
        order by snapshot_date
        range between interval 1 day preceding and interval 1 day preceding
    )

),

final as (

    select
        todays.spotify_track_id as track_id,
        todays.snapshot_date,
        todays.date_key,
        todays.spotify_album_id as album_id,
        todays.spotify_artist_id as artist_id,
        todays.deezer_track_id,
        todays.is_deezer_canonical,
        todays.deezer_rank,
        todays.deezer_rank - todays.previous_deezer_rank as deezer_rank_change,
        todays.lastfm_listeners,
        todays.lastfm_listeners - todays.previous_lastfm_listeners as lastfm_listeners_change,
        todays.lastfm_playcount,
        todays.lastfm_playcount - todays.previous_lastfm_playcount as lastfm_plays,
        day_inputs.published_inputs,
        day_inputs.previous_day_published_inputs
    from with_previous_day as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
