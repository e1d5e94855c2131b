{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='window_end_date',
    on_schema_change='fail',
    post_hook="{{ keep_built_windows('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Movers by open signals, for every 7-day window of int_movers_windows_7d (the same windows as
-- the Spotify movers): each track with open signals at both ends, its Deezer rank change and
-- its Last.fm plays and new listeners over the window. A Development Mode app, without
-- Spotify popularity, ranks its movers by these.
-- Incremental: only the windows whose days changed are built (macro windows_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ windows_to_build('days', inputs='published_inputs') }},

window_ends as (

    {{ movers_window_ends(
        ref('fact_track_open_signals'),
        key='track_id',
        labels=['artist_id', 'album_id'],
        measures={
            'deezer_rank': 'deezer_rank',
            'lastfm_listeners': 'lastfm_listeners',
            'lastfm_playcount': 'lastfm_playcount',
        },
        windows='windows_to_build'
    ) }}

),

final as (

    select
        track_id,
        window_end_date,
        window_start_date,
        window_start_published_inputs,
        window_end_published_inputs,
        artist_id,
        album_id,
        deezer_rank_start,
        deezer_rank_end,
        deezer_rank_end - deezer_rank_start as deezer_rank_change,
        lastfm_listeners_end - lastfm_listeners_start as lastfm_new_listeners,
        lastfm_playcount_end - lastfm_playcount_start as lastfm_plays,
        case
            when deezer_rank_end > deezer_rank_start then 'rising'
            when deezer_rank_end < deezer_rank_start then 'falling'
            when deezer_rank_end = deezer_rank_start then 'steady'
        end as deezer_direction
    from window_ends
    where is_in_start and is_in_end

)

select * from final
