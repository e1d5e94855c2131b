with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

latest_facts as (

    select * from facts
    where snapshot_date = (select max(snapshot_date) from facts)

),

released as (

    select
        latest_facts.track_id,
        latest_facts.popularity,
        cast(year(albums.release_date) as integer) as release_year,
        -- A release known to the year only has no month.
        case
            when albums.release_date_precision in ('month', 'day')
                then cast(month(albums.release_date) as integer)
        end as release_month
    from latest_facts
    inner join albums
        on latest_facts.album_id = albums.album_id
    where albums.release_date is not null

),

final as (

    select
        release_year,
        release_month,
        count(distinct track_id) as track_count,
        round(avg(popularity), 1) as avg_popularity
    from released
    group by release_year, release_month

)

select * from final
