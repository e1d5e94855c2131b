{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Spotify ids -> the open-signal sources' ids, per day: one row per Spotify track of a day a
-- source published. Deezer by exact ISRC (its track, and that track's artist and album);
-- Last.fm by Spotify's primary artist name and title (method `artist+title`).
-- Re-releases: one ISRC on several Spotify tracks the same day all map to the one Deezer
-- track; exactly one of them is its canonical Spotify track (`is_deezer_canonical`): the one
-- on the earliest released album, then the smallest Spotify id. Sum Deezer measures over
-- canonical rows only, so a re-released recording counts once.
-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ dates_to_build('days', inputs='published_inputs') }},

deezer_matches as (

    select * from {{ ref('stg_deezer__matches') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

lastfm_matches as (

    select * from {{ ref('stg_lastfm__matches') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

spotify_tracks as (

    select track_id, snapshot_date, album_id, primary_artist_id
    from {{ ref('stg_spotify__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

spotify_albums as (

    select album_id, snapshot_date, min(release_date) as release_date
    from {{ ref('stg_spotify__albums') }}
    where snapshot_date in (select snapshot_date from dates_to_build)
    group by album_id, snapshot_date

),

deezer_tracks as (

    select isrc, snapshot_date, deezer_artist_id, deezer_album_id
    from {{ ref('stg_deezer__tracks') }}
    where snapshot_date in (select snapshot_date from dates_to_build)

),

matches as (

    select
        coalesce(deezer.spotify_track_id, lastfm.spotify_track_id) as spotify_track_id,
        coalesce(deezer.snapshot_date, lastfm.snapshot_date) as snapshot_date,
        coalesce(deezer.isrc, lastfm.isrc) as isrc,
        deezer.outcome as deezer_outcome,
        deezer.deezer_track_id,
        lastfm.outcome as lastfm_outcome,
        case when lastfm.outcome = 'matched' then lastfm.artist_name end as lastfm_artist_name,
        case when lastfm.outcome = 'matched' then lastfm.track_name end as lastfm_track_name,
        lastfm.match_method as lastfm_match_method
    from deezer_matches as deezer
    full outer join lastfm_matches as lastfm
        on deezer.spotify_track_id = lastfm.spotify_track_id
        and deezer.snapshot_date = lastfm.snapshot_date

),

final as (

    select
        matches.spotify_track_id,
        matches.snapshot_date,
        cast(strftime(matches.snapshot_date, '%Y%m%d') as integer) as date_key,
        spotify_tracks.album_id as spotify_album_id,
        spotify_tracks.primary_artist_id as spotify_artist_id,
        matches.isrc,
        matches.deezer_outcome,
        matches.deezer_track_id,
        deezer_tracks.deezer_artist_id,
        deezer_tracks.deezer_album_id,
        case when matches.deezer_track_id is not null then
            row_number() over (
                partition by matches.snapshot_date, matches.deezer_track_id
                order by spotify_albums.release_date nulls last, matches.spotify_track_id
            ) = 1
        end as is_deezer_canonical,
        matches.lastfm_outcome,
        matches.lastfm_artist_name,
        matches.lastfm_track_name,
        matches.lastfm_match_method,
        day_inputs.published_inputs,
        day_inputs.previous_day_published_inputs
    from matches
    inner join day_inputs
        on matches.snapshot_date = day_inputs.snapshot_date
    left join spotify_tracks
        on matches.spotify_track_id = spotify_tracks.track_id
        and matches.snapshot_date = spotify_tracks.snapshot_date
    left join spotify_albums
        on spotify_tracks.album_id = spotify_albums.album_id
        and matches.snapshot_date = spotify_albums.snapshot_date
    left join deezer_tracks
        on matches.deezer_track_id is not null
        and matches.isrc = deezer_tracks.isrc
        and matches.snapshot_date = deezer_tracks.snapshot_date

)

select * from final
