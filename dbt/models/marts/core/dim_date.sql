with snapshot_dates as (

    select snapshot_date from {{ ref('stg_spotify__days') }}

),

spine as (

    -- Whole calendar years around the loaded snapshot dates.
    select cast(unnest(range(
        make_date(cast(year(min(snapshot_date)) as integer), 1, 1),
        make_date(cast(year(max(snapshot_date)) as integer), 12, 31) + interval 1 day,
        interval 1 day
    )) as date) as date_day
    from snapshot_dates

),

final as (

    select
        cast(strftime(date_day, '%Y%m%d') as integer) as date_key,
        date_day,
        cast(year(date_day) as integer) as year,
        cast(quarter(date_day) as integer) as quarter,
        cast(month(date_day) as integer) as month,
        monthname(date_day) as month_name,
        cast(day(date_day) as integer) as day_of_month,
        cast(isodow(date_day) as integer) as day_of_week,
        dayname(date_day) as day_name,
        cast(weekofyear(date_day) as integer) as iso_week,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        isodow(date_day) in (6, 7) as is_weekend,
        date_day in (select snapshot_date from snapshot_dates) as has_snapshot
    from spine

)

select * from final
