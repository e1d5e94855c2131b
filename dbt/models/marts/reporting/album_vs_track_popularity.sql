with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

latest_facts as (

    select * from facts
    where snapshot_date = (select max(snapshot_date) from facts)

),

album_facts as (

    select * from {{ ref('fact_album_popularity') }}

),

track_popularity as (

    select
        album_id,
        snapshot_date,
        round(avg(popularity), 1) as avg_track_popularity,
        max(popularity) as max_track_popularity,
        count(distinct track_id) as tracked_track_count
    from latest_facts
    group by album_id, snapshot_date

),

final as (

    select
        track_popularity.album_id,
        albums.album_name,
        artists.artist_name,
        album_facts.popularity as album_popularity,
        track_popularity.avg_track_popularity,
        track_popularity.max_track_popularity,
        track_popularity.tracked_track_count,
        round(album_facts.popularity - track_popularity.avg_track_popularity, 1) as popularity_gap,
        track_popularity.snapshot_date
    from track_popularity
    left join albums
        on track_popularity.album_id = albums.album_id
    left join album_facts
        on track_popularity.album_id = album_facts.album_id
        and track_popularity.snapshot_date = album_facts.snapshot_date
    left join artists
        on albums.primary_artist_id = artists.artist_id

)

select * from final
