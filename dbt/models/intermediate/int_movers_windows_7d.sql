-- The 7-day windows the movers marts compare, one per snapshot date D that has an earlier
-- snapshot within 7 days: from the first snapshot on or after D - 7 days to D. Computed from
-- the set of dates alone, so it does not depend on the order days were loaded in.

with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

dates as (

    select distinct snapshot_date from facts

),

final as (

    select
        ends.snapshot_date as window_end_date,
        min(starts.snapshot_date) as window_start_date
    from dates as ends
    inner join dates as starts
        on starts.snapshot_date >= ends.snapshot_date - 7
        and starts.snapshot_date < ends.snapshot_date
    group by ends.snapshot_date

)

select * from final
