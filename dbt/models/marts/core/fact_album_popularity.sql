{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='snapshot_date',
    on_schema_change='fail',
    post_hook="{{ keep_published_days() }}",
) }}

-- Incremental: only the days whose inputs changed are built (macro dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

albums as (

    -- Only full album objects carry popularity (simplified discography entries do not).
    select * from {{ ref('stg_spotify__albums') }}
    where has_full_details

),

{{ dates_to_build('days') }},

final as (

    select
        todays.album_id,
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        todays.popularity,
        todays.popularity - previous_day.popularity as popularity_change,
        todays.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from albums as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    left join albums as previous_day
        on todays.album_id = previous_day.album_id
        and todays.snapshot_date - 1 = previous_day.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
