{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='window_end_date',
    on_schema_change='fail',
    post_hook="{{ keep_built_windows('stg_spotify__days') }}",
) }}

-- artist_movers_7d without the name: for every 7-day window of int_movers_windows_7d, each
-- tracked artist's popularity and followers at the window's start and end, and its direction.
-- artist_movers_7d joins the current name. Incremental: only the windows whose days changed
-- are built (macro windows_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

{{ windows_to_build('days') }},

window_ends as (

    {{ movers_window_ends(
        ref('fact_artist_popularity'),
        key='artist_id',
        labels=[],
        measures={'popularity': 'popularity', 'followers': 'followers'},
        windows='windows_to_build'
    ) }}

),

final as (

    select
        * exclude (is_in_start, is_in_end),
        popularity_end - popularity_start as popularity_change,
        followers_end - followers_start as followers_change,
        -- Popularity decides; without it (Development Mode) followers do; else no move known.
        case
            when popularity_change > 0 then 'rising'
            when popularity_change < 0 then 'falling'
            when popularity_change = 0 then 'steady'
            when followers_change > 0 then 'rising'
            when followers_change < 0 then 'falling'
            else 'steady'
        end as direction
    from window_ends
    -- Artists tracked at both ends: an artist added to (or dropped from) the roster did not
    -- move, it was not measured.
    where is_in_start and is_in_end

)

select * from final
