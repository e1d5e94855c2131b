{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='window_end_date',
    on_schema_change='fail',
    post_hook="{{ keep_built_windows('stg_spotify__days') }}",
) }}

-- track_movers_7d without the names: for every 7-day window of int_movers_windows_7d, each
-- track's move between the window's start and end (the ids of its artist and of the tracked
-- artist holding it at the end, else at the start). track_movers_7d joins the current names.
-- Incremental: only the windows whose days changed are built (macro windows_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ windows_to_build('days') }},

window_ends as (

    {{ movers_window_ends(
        ref('int_top_tracks_ranked'),
        key='track_id',
        labels=['artist_id', 'tracked_artist_id'],
        measures={'popularity': 'popularity', 'rank': 'top_track_rank'},
        windows='windows_to_build'
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
