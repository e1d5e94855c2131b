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

artists as (

    select * from {{ ref('stg_spotify__artists') }}

),

{{ dates_to_build('days') }},

final as (

    select
        todays.artist_id,
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        todays.popularity,
        todays.follower_count as followers,
        todays.popularity - previous_day.popularity as popularity_change,
        todays.follower_count - previous_day.follower_count as followers_change,
        todays.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from artists as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    left join artists as previous_day
        on todays.artist_id = previous_day.artist_id
        and todays.snapshot_date - 1 = previous_day.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
