-- One row per tracked artist and snapshot date: the artist's audience that day, the shape of
-- its discography as listed that day, and its own top tracks that day.

with artist_days as (

    select * from {{ ref('artist_popularity_daily') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

track_facts as (

    select * from {{ ref('fact_track_popularity') }}

),

discographies as (

    select * from {{ ref('stg_spotify__artist_albums') }}

),

rankings as (

    select * from {{ ref('stg_spotify__top_tracks') }}

),

album_stats as (

    select
        discographies.tracked_artist_id as artist_id,
        discographies.snapshot_date,
        count(distinct discographies.album_id) as album_count,
        round(avg(albums.total_tracks), 1) as avg_tracks_per_album,
        min(albums.release_date) as first_release_date,
        max(albums.release_date) as latest_release_date
    from discographies
    inner join albums
        on discographies.album_id = albums.album_id
    group by discographies.tracked_artist_id, discographies.snapshot_date

),

ranked_tracks as (

    -- Each tracked artist's own top-tracks list that day (a collaboration counts for both
    -- artists here, unlike in the fact, which keeps one row per track).
    select
        rankings.tracked_artist_id as artist_id,
        rankings.snapshot_date,
        rankings.top_track_rank,
        tracks.track_name,
        albums.album_name,
        track_facts.popularity,
        tracks.duration_ms,
        tracks.is_explicit
    from rankings
    left join track_facts
        on rankings.track_id = track_facts.track_id
        and rankings.snapshot_date = track_facts.snapshot_date
    left join tracks
        on rankings.track_id = tracks.track_id
    left join albums
        on tracks.album_id = albums.album_id

),

track_stats as (

    select
        artist_id,
        snapshot_date,
        count(*) as top_track_count,
        round(avg(popularity), 1) as avg_track_popularity,
        round(avg(duration_ms) / 60000.0, 2) as avg_track_duration_minutes,
        round(avg(case when is_explicit then 1.0 else 0.0 end), 4) as explicit_track_share,
        min_by(track_name, top_track_rank) as top_track_name,
        min_by(album_name, top_track_rank) as top_track_album_name
    from ranked_tracks
    group by artist_id, snapshot_date

),

final as (

    select
        artist_days.artist_id,
        artist_days.snapshot_date,
        artist_days.artist_name,
        artist_days.popularity,
        artist_days.followers,
        album_stats.album_count,
        album_stats.avg_tracks_per_album,
        album_stats.first_release_date,
        album_stats.latest_release_date,
        track_stats.top_track_count,
        track_stats.avg_track_popularity,
        track_stats.avg_track_duration_minutes,
        track_stats.explicit_track_share,
        track_stats.top_track_name,
        track_stats.top_track_album_name
    from artist_days
    left join album_stats
        on artist_days.artist_id = album_stats.artist_id
        and artist_days.snapshot_date = album_stats.snapshot_date
    left join track_stats
        on artist_days.artist_id = track_stats.artist_id
        and artist_days.snapshot_date = track_stats.snapshot_date

)

select * from final
