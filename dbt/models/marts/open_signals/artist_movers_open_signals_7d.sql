{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='window_end_date',
    on_schema_change='fail',
    post_hook="{{ keep_built_windows('int_open_signals__published_days', 'published_inputs') }}",
) }}

-- Artist movers by open signals over the 7-day windows of int_movers_windows_7d: each artist with
-- open signals at both ends, its Deezer fans gained and its Last.fm plays and new listeners
-- over the window.
-- Incremental: only the windows whose days changed are built (macro windows_to_build).

with days as (

    select * from {{ ref('int_open_signals__published_days') }}

),

{{ windows_to_build('days', inputs='published_inputs') }},

window_ends as (

    {{ movers_window_ends(
        ref('fact_artist_open_signals'),
        key='artist_id',
        labels=['deezer_artist_id', 'lastfm_artist_name'],
        measures={
            'deezer_fans': 'deezer_fans',
            'lastfm_listeners': 'lastfm_listeners',
            'lastfm_playcount': 'lastfm_playcount',
        },
        windows='windows_to_build'
    ) }}

),

final as (

    select
        artist_id,
        window_end_date,
        window_start_date,
        window_start_published_inputs,
        window_end_published_inputs,
        deezer_artist_id,
        lastfm_artist_name,
        deezer_fans_end,
        deezer_fans_end - deezer_fans_start as deezer_fans_change,
        lastfm_listeners_end - lastfm_listeners_start as lastfm_new_listeners,
        lastfm_playcount_end - lastfm_playcount_start as lastfm_plays
    from window_ends
    where is_in_start and is_in_end

)

select * from final
