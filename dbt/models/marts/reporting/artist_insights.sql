-- One row per tracked artist and snapshot date: the artist's audience that day, the shape of
-- its discography as listed that day, and its own top tracks that day.

with artist_days as (

    select * from {{ ref('artist_popularity_daily') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

album_stats as (

    select
        discographies.tracked_artist_id as artist_id,
        discographies.snapshot_date,
        count(distinct discographies.album_id) as album_count,
        round(avg(albums.total_tracks), 1) as avg_tracks_per_album,
        min(albums.release_date) as first_release_date,
        max(albums.release_date) as latest_release_date
    from {{ ref('stg_spotify__artist_albums') }} as discographies
    inner join albums
        on discographies.album_id = albums.album_id
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
        min_by(tracks.track_name, rankings.top_track_rank) as top_track_name,
        min_by(albums.album_name, rankings.top_track_rank) as top_track_album_name,
        -- A tracked artist's No. 1 may be someone else's track (a feature): say whose.
        min_by(
            coalesce(track_artists.artist_name, tracks.primary_artist_id), rankings.top_track_rank
        ) as top_track_artist_name
    from {{ ref('stg_spotify__top_tracks') }} as rankings
    left join {{ ref('fact_track_popularity') }} as track_facts
        on rankings.track_id = track_facts.track_id
        and rankings.snapshot_date = track_facts.snapshot_date
    left join {{ ref('dim_track') }} as tracks
        on rankings.track_id = tracks.track_id
    left join albums
        on tracks.album_id = albums.album_id
    left join {{ ref('dim_artist') }} as track_artists
        on tracks.primary_artist_id = track_artists.artist_id
    group by all

),

final as (

    select
        artist_days.artist_id,
        artist_days.snapshot_date,
        artist_days.artist_name,
        artist_days.popularity,
        artist_days.followers,
        album_stats.* exclude (artist_id, snapshot_date),
        track_stats.* exclude (artist_id, snapshot_date)
    from artist_days
    left join album_stats
        on artist_days.artist_id = album_stats.artist_id
        and artist_days.snapshot_date = album_stats.snapshot_date
    left join track_stats
        on artist_days.artist_id = track_stats.artist_id
        and artist_days.snapshot_date = track_stats.snapshot_date

)

select * from final
