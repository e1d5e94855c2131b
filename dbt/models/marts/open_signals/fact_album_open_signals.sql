{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Deezer fans per Spotify album and day (the albums of the day's Deezer-matched tracks): the
-- Deezer album their tracks point to most often that day (ties: the smaller Deezer id), with
-- the change since the previous calendar day. Incremental: only the days whose inputs changed
-- are built (macro dates_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ dates_to_build('days', inputs='published_inputs') }},

deezer_album_of as (

    select spotify_album_id, snapshot_date, deezer_album_id
    from {{ ref('bridge_spotify_open_signals') }}
    where spotify_album_id is not null
        and deezer_album_id is not null
        and snapshot_date in (select snapshot_date from dates_to_read)
    group by spotify_album_id, snapshot_date, deezer_album_id
    qualify row_number() over (
        partition by spotify_album_id, snapshot_date
        order by count(*) desc, deezer_album_id
    ) = 1

),

deezer_albums as (

    select * from {{ ref('stg_deezer__albums') }}
    where snapshot_date in (select snapshot_date from dates_to_read)

),

measured as (

    select deezer_album_of.*, deezer_albums.deezer_fans
    from deezer_album_of
    left join deezer_albums
        on deezer_album_of.deezer_album_id = deezer_albums.deezer_album_id
        and deezer_album_of.snapshot_date = deezer_albums.snapshot_date

),

with_previous_day as (

    -- The album's fans the calendar day before (NULL when it has no row that day): a one-day
    -- window frame, as in fact_track_open_signals.
    select
        *,
        max(deezer_fans) over previous_day as previous_deezer_fans
    from measured
    window previous_day as (
        partition by spotify_album_id
        order by snapshot_date
        range between interval 1 day preceding and interval 1 day preceding
    )

),

final as (

    select
        todays.spotify_album_id as album_id,
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        todays.deezer_album_id,
        todays.deezer_fans,
        todays.deezer_fans - todays.previous_deezer_fans as deezer_fans_change,
        day_inputs.published_inputs,
        day_inputs.previous_day_published_inputs
    from with_previous_day as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
