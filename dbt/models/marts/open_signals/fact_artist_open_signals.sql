{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Open popularity signals per Spotify artist and day (the primary artists of the day's
-- matched tracks): Deezer fans of the Deezer artist their tracks point to most often that day
-- (ties: the smaller Deezer id), Last.fm listeners and cumulative playcount of the artist
-- name, each with its change since the previous calendar day; `lastfm_plays` is the plays of
-- the day. Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ dates_to_build('days', inputs='published_inputs') }},

bridge as (

    select * from {{ ref('bridge_spotify_open_signals') }}
    where spotify_artist_id is not null
        and snapshot_date in (select snapshot_date from dates_to_read)

),

deezer_artist_of as (

    select spotify_artist_id, snapshot_date, deezer_artist_id
    from bridge
    where deezer_artist_id is not null
    group by spotify_artist_id, snapshot_date, deezer_artist_id
    qualify row_number() over (
        partition by spotify_artist_id, snapshot_date
        order by count(*) desc, deezer_artist_id
    ) = 1

),

deezer_artists as (

    select * from {{ ref('stg_deezer__artists') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

lastfm_artists as (

    select * from {{ ref('stg_lastfm__artists') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

lastfm_artist_of as (

    select spotify_artist_id, snapshot_date, min(lastfm_artist_name) as lastfm_artist_name
    from bridge
    where lastfm_artist_name is not null
    group by spotify_artist_id, snapshot_date

),

artist_days as (

    select spotify_artist_id, snapshot_date from deezer_artist_of
    union
    select spotify_artist_id, snapshot_date from lastfm_artist_of

),

measured as (

    select
        artist_days.spotify_artist_id,
        artist_days.snapshot_date,
        deezer_artist_of.deezer_artist_id,
        deezer_artists.deezer_fans,
        lastfm_artist_of.lastfm_artist_name,
        lastfm_artists.lastfm_listeners,
        lastfm_artists.lastfm_playcount
    from artist_days
    left join deezer_artist_of
        on artist_days.spotify_artist_id = deezer_artist_of.spotify_artist_id
        and artist_days.snapshot_date = deezer_artist_of.snapshot_date
    left join deezer_artists
        on deezer_artist_of.deezer_artist_id = deezer_artists.deezer_artist_id
        and artist_days.snapshot_date = deezer_artists.snapshot_date
    left join lastfm_artist_of
        on artist_days.spotify_artist_id = lastfm_artist_of.spotify_artist_id
        and artist_days.snapshot_date = lastfm_artist_of.snapshot_date
    left join lastfm_artists
        on lastfm_artist_of.lastfm_artist_name = lastfm_artists.artist_name
        and artist_days.snapshot_date = lastfm_artists.snapshot_date

),

final as (

    select
        todays.spotify_artist_id as artist_id,
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        todays.deezer_artist_id,
        todays.deezer_fans,
        todays.deezer_fans - previous_day.deezer_fans as deezer_fans_change,
        todays.lastfm_artist_name,
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
        on todays.spotify_artist_id = previous_day.spotify_artist_id
        and todays.snapshot_date - 1 = previous_day.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
