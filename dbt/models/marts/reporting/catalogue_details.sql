with tracks as (

    select * from {{ ref('dim_track') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

track_facts as (

    -- Each track's latest popularity.
    select track_id, popularity
    from {{ ref('fact_track_popularity') }}
    qualify snapshot_date = max(snapshot_date) over (partition by track_id)

),

track_artists as (

    select * from {{ ref('stg_spotify__track_artists') }}

),

latest_track_artists as (

    -- The artist list of each track's latest snapshot.
    select *
    from track_artists
    qualify snapshot_date = max(snapshot_date) over (partition by track_id)

),

artist_lists as (

    select
        track_id,
        string_agg(artist_name, ', ' order by artist_position) as artist_names
    from latest_track_artists
    group by track_id

),

final as (

    select
        tracks.track_id,
        tracks.track_name,
        artist_lists.artist_names,
        primary_artists.artist_name as primary_artist_name,
        array_to_string(primary_artists.genres, ', ') as genres,
        albums.album_name,
        albums.release_date,
        albums.release_date_precision,
        round(tracks.duration_ms / 60000.0, 2) as duration_minutes,
        tracks.is_explicit,
        track_facts.popularity,
        tracks.isrc,
        tracks.last_seen_date
    from tracks
    left join track_facts
        on tracks.track_id = track_facts.track_id
    left join artist_lists
        on tracks.track_id = artist_lists.track_id
    left join artists as primary_artists
        on tracks.primary_artist_id = primary_artists.artist_id
    left join albums
        on tracks.album_id = albums.album_id

)

select * from final
