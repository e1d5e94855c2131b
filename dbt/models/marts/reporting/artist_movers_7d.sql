{{ config(materialized='view') }}

-- For every snapshot date D (the window's end): each tracked artist's popularity and followers
-- at the window's start (first snapshot on or after D - 7 days, before D) and at D. A view:
-- the moves (int_artist_movers_7d, incremental) with the current name joined when read.

with movers as (

    select * from {{ ref('int_artist_movers_7d') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

final as (

    select
        movers.artist_id,
        movers.window_end_date,
        movers.window_start_date,
        coalesce(artists.artist_name, movers.artist_id) as artist_name,
        movers.popularity_start,
        movers.popularity_end,
        movers.popularity_change,
        movers.followers_start,
        movers.followers_end,
        movers.followers_change,
        movers.direction
    from movers
    left join artists
        on movers.artist_id = artists.artist_id

)

select * from final
