{{ config(materialized='view') }}

-- One row per tracked artist and snapshot date: the artist's audience that day, the shape of
-- its discography as listed that day, and its own top tracks that day. A view: the day's
-- measures (int_artist_insights, incremental) with the current names joined when read.

with insights as (

    select * from {{ ref('int_artist_insights') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

final as (

    select
        insights.artist_id,
        insights.snapshot_date,
        coalesce(artists.artist_name, insights.artist_id) as artist_name,
        insights.popularity,
        insights.followers,
        insights.album_count,
        insights.avg_tracks_per_album,
        insights.first_release_date,
        insights.latest_release_date,
        insights.top_track_count,
        insights.avg_track_popularity,
        insights.avg_track_duration_minutes,
        insights.explicit_track_share,
        tracks.track_name as top_track_name,
        albums.album_name as top_track_album_name,
        -- A tracked artist's No. 1 may be someone else's track (a feature): say whose.
        coalesce(track_artists.artist_name, tracks.primary_artist_id) as top_track_artist_name
    from insights
    left join artists
        on insights.artist_id = artists.artist_id
    left join tracks
        on insights.top_track_id = tracks.track_id
    left join albums
        on tracks.album_id = albums.album_id
    left join artists as track_artists
        on tracks.primary_artist_id = track_artists.artist_id

)

select * from final
