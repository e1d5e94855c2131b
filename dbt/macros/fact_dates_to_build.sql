{#-
    CTEs `day_inputs` (each published day with its published_at and the previous calendar
    day's) and `dates_to_build` (the days whose inputs differ from those the fact's rows store;
    every day in a full build) of an incremental daily fact: docs block daily_fact_incremental.
-#}
{% macro fact_dates_to_build(days) %}
day_inputs as (

    select
        days.snapshot_date,
        days.published_at,
        previous_days.published_at as previous_day_published_at
    from {{ days }} as days
    left join {{ days }} as previous_days
        on previous_days.snapshot_date = days.snapshot_date - 1

),

dates_to_build as (

    select snapshot_date from (
        select snapshot_date, published_at, previous_day_published_at from day_inputs
        {%- if is_incremental() %}
        except
        select distinct snapshot_date, published_at, previous_day_published_at from {{ this }}
        {%- endif %}
    )

)
{% endmacro %}


{#-
    A daily fact of one entity (fact_artist_popularity, fact_album_popularity): one row per key
    and snapshot date of `relation`, with each measure (a mapping name -> staging column) and
    its change since the previous calendar day (NULL when that day has no row or either value
    is NULL). Only the dates to build are built (above).
-#}
{% macro entity_daily_fact(relation, key, measures) %}
with days as (

    select * from {{ ref('stg_spotify__days') }}

),

measured as (

    select * from {{ relation }}

),

{{ fact_dates_to_build('days') }},

final as (

    select
        todays.{{ key }},
        todays.snapshot_date,
        cast(strftime(todays.snapshot_date, '%Y%m%d') as integer) as date_key,
        {%- for name, column in measures.items() %}
        todays.{{ column }} as {{ name }},
        {%- endfor %}
        {%- for name, column in measures.items() %}
        todays.{{ column }} - previous_day.{{ column }} as {{ name }}_change,
        {%- endfor %}
        todays.extracted_at,
        day_inputs.published_at,
        day_inputs.previous_day_published_at
    from measured as todays
    inner join day_inputs
        on todays.snapshot_date = day_inputs.snapshot_date
    left join measured as previous_day
        on todays.{{ key }} = previous_day.{{ key }}
        and todays.snapshot_date - 1 = previous_day.snapshot_date
    where todays.snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
{% endmacro %}
