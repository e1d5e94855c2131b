-- TEMPORARY (branch i12-dashboard): helper 11's `fact_artist_popularity` replaces this file
-- and _core__temporary_facts.yml at merge. Same columns as CONTRACT.md, so the reporting marts
-- can be written against it now. One row per (artist_id, snapshot_date) of every tracked
-- artist; changes are against the previous calendar day (NULL when that day has no row), so
-- the result does not depend on the order in which days were loaded.

with artists as (

    select * from {{ ref('stg_spotify__artists') }}

),

previous_day as (

    select
        artist_id,
        snapshot_date + 1 as next_snapshot_date,
        popularity as previous_popularity,
        follower_count as previous_followers
    from artists

),

final as (

    select
        artists.artist_id,
        artists.snapshot_date,
        cast(strftime(artists.snapshot_date, '%Y%m%d') as integer) as date_key,
        artists.popularity,
        artists.follower_count as followers,
        artists.popularity - previous_day.previous_popularity as popularity_change,
        artists.follower_count - previous_day.previous_followers as followers_change,
        artists.extracted_at
    from artists
    left join previous_day
        on artists.artist_id = previous_day.artist_id
        and artists.snapshot_date = previous_day.next_snapshot_date

)

select * from final
