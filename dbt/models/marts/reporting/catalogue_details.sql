with tracks as (

    select * from {{ ref('dim_track') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

track_artists as (

    select * from {{ ref('stg_spotify__track_artists') }}

),

track_facts as (

    select * from {{ ref('fact_track_popularity') }}

),

latest_popularity as (

    -- Measurements come from the fact: the popularity of each track's latest snapshot (its
    -- last seen day: a collected track is in the fact every day it is collected). A join on
    -- that day, not an aggregate over every day, so the cost follows the catalogue, not the
    -- history.
    select tracks.track_id, track_facts.popularity
    from tracks
    inner join track_facts
        on tracks.track_id = track_facts.track_id
        and tracks.last_seen_date = track_facts.snapshot_date

),

artist_lists as (

    -- The artist list of each track's latest snapshot.
    select
        tracks.track_id,
        string_agg(track_artists.artist_name, ', ' order by track_artists.artist_position)
            as artist_names,
        list(track_artists.artist_id order by track_artists.artist_position) as artist_ids
    from tracks
    inner join track_artists
        on tracks.track_id = track_artists.track_id
        and tracks.last_seen_date = track_artists.snapshot_date
    group by tracks.track_id

),

final as (

    select
        tracks.track_id,
        tracks.track_name,
        artist_lists.artist_names,
        artist_lists.artist_ids,
        tracks.primary_artist_id,
        primary_artists.artist_name as primary_artist_name,
        array_to_string(primary_artists.genres, ', ') as genres,
        albums.album_name,
        albums.release_date,
        albums.release_date_precision,
        round(tracks.duration_ms / 60000.0, 2) as duration_minutes,
        tracks.is_explicit,
        latest_popularity.popularity,
        tracks.isrc,
        tracks.last_seen_date
    from tracks
    left join artist_lists
        on tracks.track_id = artist_lists.track_id
    left join artists as primary_artists
        on tracks.primary_artist_id = primary_artists.artist_id
    left join albums
        on tracks.album_id = albums.album_id
    left join latest_popularity
        on tracks.track_id = latest_popularity.track_id

)

select * from final
