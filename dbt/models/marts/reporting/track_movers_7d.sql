{{ config(materialized='view') }}

-- For every snapshot date D (the window's end): each track's move between the first snapshot
-- on or after D - 7 days (the window's start, before D) and D. Dates without an earlier
-- snapshot in their window have no rows. A view: the moves (int_track_movers_7d, incremental)
-- with the current names joined when read, as in top_tracks.

with movers as (

    select * from {{ ref('int_track_movers_7d') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

named as (

    select
        movers.*,
        coalesce(tracks.track_name, movers.track_id) as track_name,
        coalesce(own_artists.artist_name, movers.artist_id) as artist_name,
        case when movers.tracked_artist_id <> movers.artist_id then
            coalesce(tracked_artists.artist_name, movers.tracked_artist_id)
        end as via_artist_name
    from movers
    left join tracks
        on movers.track_id = tracks.track_id
    left join artists as own_artists
        on movers.artist_id = own_artists.artist_id
    left join artists as tracked_artists
        on movers.tracked_artist_id = tracked_artists.artist_id

),

final as (

    select
        track_id,
        window_end_date,
        window_start_date,
        track_name,
        artist_id,
        artist_name,
        tracked_artist_id,
        via_artist_name,
        track_name || ' · ' || artist_name
        || coalesce(' (via ' || via_artist_name || ')', '') as track_label,
        popularity_start,
        popularity_end,
        popularity_change,
        rank_start,
        rank_end,
        rank_change,
        direction
    from named

)

select * from final
