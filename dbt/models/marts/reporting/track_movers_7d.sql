-- For every snapshot date D (the window's end): each track's move between the first snapshot
-- on or after D - 7 days (the window's start, before D) and D. Dates without an earlier
-- snapshot in their window have no rows.

with window_ends as (

    {{ movers_window_ends(
        ref('top_tracks'),
        key='track_id',
        labels=[
            'track_name', 'artist_id', 'artist_name', 'tracked_artist_id', 'via_artist_name',
            'track_label'
        ],
        measures={'popularity': 'popularity', 'rank': 'top_track_rank'}
    ) }}

),

final as (

    select
        * exclude (rank_start, rank_end, is_in_start, is_in_end),
        popularity_end - popularity_start as popularity_change,
        rank_start,
        rank_end,
        -- Positive: the track climbed (rank 5 -> 2 is +3).
        rank_start - rank_end as rank_change,
        -- Popularity decides when both ends have it; otherwise (Development Mode) the rank
        -- change; a track entering the top tracks rises, one leaving them falls.
        case
            when not is_in_start then 'rising'
            when not is_in_end then 'falling'
            when popularity_change > 0 then 'rising'
            when popularity_change < 0 then 'falling'
            when popularity_change = 0 then 'steady'
            when rank_change > 0 then 'rising'
            when rank_change < 0 then 'falling'
            else 'steady'
        end as direction
    from window_ends

)

select * from final
