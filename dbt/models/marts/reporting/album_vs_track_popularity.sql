{{ config(materialized='view') }}

-- A view: the albums' measures per day (int_album_vs_track_popularity, incremental) with the
-- album's current name and primary artist joined when read.

with measures as (

    select * from {{ ref('int_album_vs_track_popularity') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

final as (

    select
        measures.album_id,
        measures.snapshot_date,
        coalesce(albums.album_name, measures.album_id) as album_name,
        albums.primary_artist_id as artist_id,
        artists.artist_name,
        list_sort(
            list_distinct(measures.track_artist_ids || [albums.primary_artist_id])
        ) as related_artist_ids,
        measures.album_popularity,
        measures.avg_track_popularity,
        measures.max_track_popularity,
        measures.tracked_track_count,
        measures.popularity_gap
    from measures
    left join albums
        on measures.album_id = albums.album_id
    left join artists
        on albums.primary_artist_id = artists.artist_id

)

select * from final
