with artist_days as (

    select * from {{ ref('artist_popularity_daily') }}

),

final as (

    select
        artist_id,
        snapshot_date,
        artist_name,
        popularity,
        followers,
        -- Always filled: without popularity (Development Mode) the order falls back to
        -- followers, then the number of top-track slots, then the name.
        cast(row_number() over (
            partition by snapshot_date
            order by popularity desc nulls last, followers desc nulls last,
                top_track_count desc, artist_name, artist_id
        ) as integer) as popularity_rank,
        top_track_count,
        top_track_popularity,
        -- The artist's top-track slots weighted by popularity: the sum of its top tracks'
        -- popularity over the sum of every tracked artist's that day (NULL without popularity).
        round(
            top_track_popularity
            / nullif(sum(top_track_popularity) over (partition by snapshot_date), 0),
            4
        ) as share_of_top_track_popularity,
        -- The same share counting slots only (what Development Mode data can answer).
        round(
            top_track_count / nullif(sum(top_track_count) over (partition by snapshot_date), 0),
            4
        ) as share_of_top_track_slots
    from artist_days

)

select * from final
