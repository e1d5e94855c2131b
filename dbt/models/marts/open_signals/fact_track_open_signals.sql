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
        bridge.*,
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
        todays.deezer_rank - previous_day.deezer_rank as deezer_rank_change,
        todays.lastfm_listeners,
        todays.lastfm_listeners - previous_day.lastfm_listeners as lastfm_listeners_change,
        todays.lastfm_playcount,
        todays.lastfm_playcount - previous_day.lastfm_playcount as lastfm_plays,
        day_inputs.published_inputs,
        day_inputs.previous_day_published_inputs
    from measured as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    left join measured as previous_day
        on todays.spotify_track_id = previous_day.spotify_track_id
        and todays.snapshot_date - 1 = previous_day.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
