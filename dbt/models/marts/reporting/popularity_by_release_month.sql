-- Additive by tracked artist and snapshot date, so the dashboard can sum the artists it is
-- asked for: the average over several artists is sum(popularity_sum) / sum(rated_track_count).

with tracks as (

    select * from {{ ref('top_tracks') }}
    where release_date is not null

),

released as (

    select
        snapshot_date,
        tracked_artist_id,
        track_id,
        popularity,
        cast(year(release_date) as integer) as release_year,
        -- A release known to the year only has no month.
        case
            when release_date_precision in ('month', 'day')
                then cast(month(release_date) as integer)
        end as release_month
    from tracks

),

final as (

    select
        snapshot_date,
        tracked_artist_id,
        release_year,
        release_month,
        count(*) as track_count,
        count(popularity) as rated_track_count,
        cast(sum(popularity) as bigint) as popularity_sum,
        round(avg(popularity), 1) as avg_popularity
    from released
    group by snapshot_date, tracked_artist_id, release_year, release_month

)

select * from final
