-- TEMPORARY (branch i12-dashboard): helper 11's `fact_album_popularity` replaces this file
-- and _core__temporary_facts.yml at merge. Same columns as CONTRACT.md: one row per
-- (album_id, snapshot_date) of the albums with full details that day; popularity_change
-- against the previous calendar day.

with albums as (

    select * from {{ ref('stg_spotify__albums') }}
    where has_full_details

),

previous_day as (

    select
        album_id,
        snapshot_date + 1 as next_snapshot_date,
        popularity as previous_popularity
    from albums

),

final as (

    select
        albums.album_id,
        albums.snapshot_date,
        cast(strftime(albums.snapshot_date, '%Y%m%d') as integer) as date_key,
        albums.popularity,
        albums.popularity - previous_day.previous_popularity as popularity_change,
        albums.extracted_at
    from albums
    left join previous_day
        on albums.album_id = previous_day.album_id
        and albums.snapshot_date = previous_day.next_snapshot_date

)

select * from final
