{{ config(materialized='view') }}

-- The reporting layer's "track facts per date": every other track mart reads this model, so
-- the names and the attribution are worked out in one place. A view: the ranked rows
-- (int_top_tracks_ranked, incremental) with the current names joined when read, so a rename
-- rewrites no history.

with ranked as (

    select * from {{ ref('int_top_tracks_ranked') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

named as (

    select
        ranked.*,
        coalesce(tracks.track_name, ranked.track_id) as track_name,
        coalesce(own_artists.artist_name, ranked.artist_id) as artist_name,
        coalesce(tracked_artists.artist_name, ranked.tracked_artist_id) as tracked_artist_name,
        -- The tracked artist whose top tracks held the track, when it is not the track's own.
        case when ranked.tracked_artist_id <> ranked.artist_id then
            coalesce(tracked_artists.artist_name, ranked.tracked_artist_id)
        end as via_artist_name,
        albums.album_name,
        albums.release_date,
        albums.release_date_precision,
        round(tracks.duration_ms / 60000.0, 2) as duration_minutes,
        tracks.is_explicit
    from ranked
    left join tracks
        on ranked.track_id = tracks.track_id
    left join artists as own_artists
        on ranked.artist_id = own_artists.artist_id
    left join artists as tracked_artists
        on ranked.tracked_artist_id = tracked_artists.artist_id
    left join albums
        on ranked.album_id = albums.album_id

),

final as (

    select
        track_id,
        snapshot_date,
        date_key,
        track_name,
        artist_id,
        artist_name,
        tracked_artist_id,
        tracked_artist_name,
        via_artist_name,
        track_name || ' · ' || artist_name
        || coalesce(' (via ' || via_artist_name || ')', '') as track_label,
        album_id,
        album_name,
        release_date,
        release_date_precision,
        popularity,
        popularity_change,
        popularity_rank,
        top_track_rank,
        top_track_rank_change,
        duration_minutes,
        is_explicit
    from named

)

select * from final
