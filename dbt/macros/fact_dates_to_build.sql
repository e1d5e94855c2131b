{#-
    CTEs `day_inputs` and `dates_to_build` of an incremental daily fact (delete+insert on
    snapshot_date), so that the fact holds the same rows whatever the order days arrive in.

    A fact row of day D depends on the raw data of D and of D - 1 (the day-over-day change).
    `day_inputs` names, for every published day, those inputs: its published_at and the
    previous calendar day's (NULL when that day is not published). The fact stores both on
    every row; a day is (re)built when its inputs differ from what its rows were built from:
    a new day, a day extracted again, the day after a late or re-extracted day, the day after
    a gap that has just been filled. Otherwise a day is never read again. A full build builds
    every day.
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

    {%- if is_incremental() %}
    select snapshot_date from (
        select snapshot_date, published_at, previous_day_published_at from day_inputs
        except
        select distinct snapshot_date, published_at, previous_day_published_at from {{ this }}
    )
    {%- else %}
    select snapshot_date from day_inputs
    {%- endif %}

)
{% endmacro %}
