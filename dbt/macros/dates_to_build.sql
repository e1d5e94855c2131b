{#-
    The incremental idiom of the daily facts (docs block daily_fact_incremental): CTEs
    `day_inputs` (each day of `days` with its `inputs`, the publication(s) its rows are built
    from, and the previous calendar day's) and `dates_to_build` (the days whose inputs differ
    from those the model's rows store; every day in a full build). A model whose rows read
    only their own day (`reads_previous_day=false`) stores and compares its day's inputs only.
-#}
{% macro dates_to_build(days, inputs='published_at', reads_previous_day=true) %}
day_inputs as (

    select
        days.snapshot_date,
        days.{{ inputs }}
        {%- if reads_previous_day %},
        previous_days.{{ inputs }} as previous_day_{{ inputs }}
        {%- endif %}
    from {{ days }} as days
    {%- if reads_previous_day %}
    left join {{ days }} as previous_days
        on previous_days.snapshot_date = days.snapshot_date - 1
    {%- endif %}

),

dates_to_build as (

    select snapshot_date from (
        select * from day_inputs
        {%- if is_incremental() %}
        except
        select distinct
            snapshot_date, {{ inputs }}{{ ', previous_day_' ~ inputs if reads_previous_day }}
        from {{ this }}
        {%- endif %}
    )

)
{%- if reads_previous_day %},

dates_to_read as (

    -- The days to build and, for their day-over-day changes, the day before each.
    select snapshot_date from dates_to_build
    union
    select snapshot_date - 1 from dates_to_build

)
{%- endif %}
{% endmacro %}
