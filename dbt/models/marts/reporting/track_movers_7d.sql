with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

window_end as (

    select max(snapshot_date) as window_end_date from facts

),

window_bounds as (

    -- The last 7 days: from the earliest snapshot on or after end - 7 days to the latest.
    select
        min(facts.snapshot_date) as window_start_date,
        any_value(window_end.window_end_date) as window_end_date
    from facts
    cross join window_end
    where facts.snapshot_date >= window_end.window_end_date - 7

),

start_rows as (

    select facts.*
    from facts
    inner join window_bounds
        on facts.snapshot_date = window_bounds.window_start_date

),

end_rows as (

    select facts.*
    from facts
    inner join window_bounds
        on facts.snapshot_date = window_bounds.window_end_date

),

compared as (

    select
        coalesce(end_rows.track_id, start_rows.track_id) as track_id,
        coalesce(end_rows.artist_id, start_rows.artist_id) as artist_id,
        start_rows.popularity as popularity_start,
        end_rows.popularity as popularity_end,
        end_rows.popularity - start_rows.popularity as popularity_change,
        start_rows.top_track_rank as rank_start,
        end_rows.top_track_rank as rank_end,
        -- Positive: the track climbed (rank 5 -> 2 is +3).
        start_rows.top_track_rank - end_rows.top_track_rank as rank_change,
        start_rows.track_id is not null as was_in_start,
        end_rows.track_id is not null as is_in_end
    from start_rows
    full outer join end_rows
        on start_rows.track_id = end_rows.track_id

),

final as (

    select
        compared.track_id,
        tracks.track_name,
        artists.artist_name,
        compared.popularity_start,
        compared.popularity_end,
        compared.popularity_change,
        compared.rank_start,
        compared.rank_end,
        compared.rank_change,
        -- Popularity decides when both ends have it; otherwise (Development Mode) the rank
        -- change; a track entering the top tracks rises, one leaving them falls.
        case
            when not compared.was_in_start then 'rising'
            when not compared.is_in_end then 'falling'
            when compared.popularity_change > 0 then 'rising'
            when compared.popularity_change < 0 then 'falling'
            when compared.popularity_change = 0 then 'steady'
            when compared.rank_change > 0 then 'rising'
            when compared.rank_change < 0 then 'falling'
            else 'steady'
        end as direction,
        window_bounds.window_start_date,
        window_bounds.window_end_date
    from compared
    cross join window_bounds
    left join tracks
        on compared.track_id = tracks.track_id
    left join artists
        on compared.artist_id = artists.artist_id

)

select * from final
