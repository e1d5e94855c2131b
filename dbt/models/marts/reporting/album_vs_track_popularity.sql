with tracks as (

    select * from {{ ref('top_tracks') }}

),

album_facts as (

    select * from {{ ref('fact_album_popularity') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

track_popularity as (

    select
        album_id,
        snapshot_date,
        round(avg(popularity), 1) as avg_track_popularity,
        max(popularity) as max_track_popularity,
        count(*) as tracked_track_count,
        -- Every artist the album's tracked tracks belong to or were tracked through: what the
        -- dashboard's artist filter matches.
        list_distinct(list(artist_id) || list(tracked_artist_id)) as related_artist_ids
    from tracks
    group by album_id, snapshot_date

),

final as (

    select
        track_popularity.album_id,
        track_popularity.snapshot_date,
        coalesce(albums.album_name, track_popularity.album_id) as album_name,
        albums.primary_artist_id as artist_id,
        artists.artist_name,
        list_distinct(
            track_popularity.related_artist_ids || [albums.primary_artist_id]
        ) as related_artist_ids,
        album_facts.popularity as album_popularity,
        track_popularity.avg_track_popularity,
        track_popularity.max_track_popularity,
        track_popularity.tracked_track_count,
        round(album_facts.popularity - track_popularity.avg_track_popularity, 1) as popularity_gap
    from track_popularity
    left join album_facts
        on track_popularity.album_id = album_facts.album_id
        and track_popularity.snapshot_date = album_facts.snapshot_date
    left join albums
        on track_popularity.album_id = albums.album_id
    left join artists
        on albums.primary_artist_id = artists.artist_id

)

select * from final
