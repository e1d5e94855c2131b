with snapshot_dates as (

    select distinct snapshot_date from {{ ref('stg_spotify__days') }}

),

bounds as (

    -- Whole calendar years around the loaded snapshot dates.
    select
        make_date(cast(year(min(snapshot_date)) as integer), 1, 1) as first_day,
        make_date(cast(year(max(snapshot_date)) as integer), 12, 31) as last_day
    from snapshot_dates

),

spine as (

    select cast(range as date) as date_day
    from bounds, range(bounds.first_day, bounds.last_day + interval 1 day, interval 1 day)

),

final as (

    select
        cast(strftime(spine.date_day, '%Y%m%d') as integer) as date_key,
        spine.date_day,
        cast(year(spine.date_day) as integer) as year,
        cast(quarter(spine.date_day) as integer) as quarter,
        cast(month(spine.date_day) as integer) as month,
        monthname(spine.date_day) as month_name,
        cast(day(spine.date_day) as integer) as day_of_month,
        cast(isodow(spine.date_day) as integer) as day_of_week,
        dayname(spine.date_day) as day_name,
        cast(weekofyear(spine.date_day) as integer) as iso_week,
        cast(date_trunc('month', spine.date_day) as date) as month_start_date,
        isodow(spine.date_day) in (6, 7) as is_weekend,
        snapshot_dates.snapshot_date is not null as has_snapshot
    from spine
    left join snapshot_dates
        on spine.date_day = snapshot_dates.snapshot_date

)

select * from final
