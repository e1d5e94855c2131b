-- For every snapshot date D (the window's end): each track's move between the first snapshot
-- on or after D - 7 days (the window's start, before D) and D. Dates without an earlier
-- snapshot in their window have no rows.

with tracks as (

    select * from {{ ref('top_tracks') }}

),

windows as (

    select * from {{ ref('movers_windows_7d') }}

),

start_rows as (

    select windows.window_start_date, windows.window_end_date, tracks.*
    from windows
    inner join tracks
        on windows.window_start_date = tracks.snapshot_date

),

end_rows as (

    select windows.window_start_date, windows.window_end_date, tracks.*
    from windows
    inner join tracks
        on windows.window_end_date = tracks.snapshot_date

),

compared as (

    select
        coalesce(end_rows.track_id, start_rows.track_id) as track_id,
        coalesce(end_rows.window_start_date, start_rows.window_start_date) as window_start_date,
        coalesce(end_rows.window_end_date, start_rows.window_end_date) as window_end_date,
        coalesce(end_rows.track_name, start_rows.track_name) as track_name,
        coalesce(end_rows.artist_id, start_rows.artist_id) as artist_id,
        coalesce(end_rows.artist_name, start_rows.artist_name) as artist_name,
        coalesce(end_rows.tracked_artist_id, start_rows.tracked_artist_id) as tracked_artist_id,
        coalesce(end_rows.via_artist_name, start_rows.via_artist_name) as via_artist_name,
        coalesce(end_rows.track_label, start_rows.track_label) as track_label,
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
        on start_rows.window_end_date = end_rows.window_end_date
        and start_rows.track_id = end_rows.track_id

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
        track_label,
        popularity_start,
        popularity_end,
        popularity_change,
        rank_start,
        rank_end,
        rank_change,
        -- Popularity decides when both ends have it; otherwise (Development Mode) the rank
        -- change; a track entering the top tracks rises, one leaving them falls.
        case
            when not was_in_start then 'rising'
            when not is_in_end then 'falling'
            when popularity_change > 0 then 'rising'
            when popularity_change < 0 then 'falling'
            when popularity_change = 0 then 'steady'
            when rank_change > 0 then 'rising'
            when rank_change < 0 then 'falling'
            else 'steady'
        end as direction
    from compared

)

select * from final
