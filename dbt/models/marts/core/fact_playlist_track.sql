{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days() }}",
) }}

-- Incremental: a row depends on its own day only, so only the days published (again) since
-- the last build are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

playlist_tracks as (

    select * from {{ ref('stg_spotify__playlist_tracks') }}

),

{{ dates_to_build('days', reads_previous_day=false) }},

final as (

    select
        playlist_id,
        snapshot_date,
        position,
        cast(strftime(snapshot_date, '%Y%m%d') as integer) as date_key,
        track_id,
        added_at,
        extracted_at,
        published_at
    from playlist_tracks
    where snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
