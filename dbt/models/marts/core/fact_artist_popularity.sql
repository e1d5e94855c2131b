-- Incremental, delete+insert on snapshot_date (dbt_project.yml): only the days whose inputs
-- changed are built (macro fact_dates_to_build).

with days as (

    select * from {{ ref('stg_spotify__days') }}

),

artists as (

    select * from {{ ref('stg_spotify__artists') }}

),

{{ fact_dates_to_build('days') }},

todays as (

    select *
    from artists
    where snapshot_date in (select snapshot_date from dates_to_build)

),

previous_day as (

    select
        artist_id,
        snapshot_date + 1 as next_snapshot_date,
        popularity as previous_popularity,
        follower_count as previous_followers
    from artists
    where snapshot_date + 1 in (select snapshot_date from dates_to_build)

),

final as (

    select
        todays.artist_id,
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        todays.popularity,
        todays.follower_count as followers,
        todays.popularity - previous_day.previous_popularity as popularity_change,
        todays.follower_count - previous_day.previous_followers as followers_change,
        todays.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    left join previous_day
        on todays.artist_id = previous_day.artist_id
        and todays.snapshot_date = previous_day.next_snapshot_date

)

select * from final
