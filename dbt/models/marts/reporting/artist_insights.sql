with artists as (

    select * from {{ ref('dim_artist') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

facts as (

    select * from {{ ref('fact_track_popularity') }}

),

artist_facts as (

    -- Each artist's latest measurements.
    select *
    from {{ ref('fact_artist_popularity') }}
    qualify snapshot_date = max(snapshot_date) over (partition by artist_id)

),

discographies as (

    select * from {{ ref('stg_spotify__artist_albums') }}

),

rankings as (

    select * from {{ ref('stg_spotify__top_tracks') }}

),

latest_discographies as (

    select *
    from discographies
    qualify snapshot_date = max(snapshot_date) over (partition by tracked_artist_id)

),

album_stats as (

    select
        latest_discographies.tracked_artist_id as artist_id,
        round(avg(albums.total_tracks), 1) as avg_tracks_per_album,
        min(albums.release_date) as first_release_date,
        max(albums.release_date) as latest_release_date
    from latest_discographies
    inner join albums
        on latest_discographies.album_id = albums.album_id
    group by latest_discographies.tracked_artist_id

),

latest_rankings as (

    -- Each tracked artist's own top tracks at the latest snapshot date (a collaboration
    -- counts for both artists here).
    select *
    from rankings
    where snapshot_date = (select max(snapshot_date) from rankings)

),

ranked_tracks as (

    select
        latest_rankings.tracked_artist_id as artist_id,
        latest_rankings.top_track_rank,
        tracks.track_name,
        albums.album_name,
        facts.popularity,
        tracks.duration_ms,
        tracks.is_explicit
    from latest_rankings
    left join facts
        on latest_rankings.track_id = facts.track_id
        and latest_rankings.snapshot_date = facts.snapshot_date
    left join tracks
        on latest_rankings.track_id = tracks.track_id
    left join albums
        on tracks.album_id = albums.album_id

),

track_stats as (

    select
        artist_id,
        round(avg(popularity), 1) as avg_track_popularity,
        round(avg(duration_ms) / 60000.0, 2) as avg_track_duration_minutes,
        round(avg(case when is_explicit then 1.0 else 0.0 end), 4) as explicit_track_share,
        min_by(track_name, top_track_rank) as top_track_name,
        min_by(album_name, top_track_rank) as top_track_album_name
    from ranked_tracks
    group by artist_id

),

final as (

    select
        artists.artist_id,
        artists.artist_name,
        artist_facts.popularity,
        artist_facts.followers,
        album_stats.avg_tracks_per_album,
        album_stats.first_release_date,
        album_stats.latest_release_date,
        track_stats.avg_track_popularity,
        track_stats.avg_track_duration_minutes,
        track_stats.explicit_track_share,
        track_stats.top_track_name,
        track_stats.top_track_album_name
    from artists
    left join artist_facts
        on artists.artist_id = artist_facts.artist_id
    left join album_stats
        on artists.artist_id = album_stats.artist_id
    left join track_stats
        on artists.artist_id = track_stats.artist_id
    where artists.is_tracked

)

select * from final
