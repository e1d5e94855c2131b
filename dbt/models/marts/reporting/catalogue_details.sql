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

    -- Measurements come from the fact: the popularity of each track's latest snapshot.
    select track_id, arg_max(popularity, snapshot_date) as popularity
    from track_facts
    group by track_id

),

artist_lists as (

    -- The artist list of each track's latest snapshot.
    select
        track_id,
        string_agg(artist_name, ', ' order by artist_position) as artist_names,
        list(artist_id order by artist_position) as artist_ids
    from track_artists
    where (track_id, snapshot_date) in (
        select (track_id, max(snapshot_date)) from track_artists group by track_id
    )
    group by track_id

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
