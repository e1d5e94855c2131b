{#-
    CTEs `day_inputs` and `dates_to_build` of the incremental open-signal models (the
    counterpart of fact_dates_to_build): a day's inputs are Spotify's day and each source's
    day, written as one string, `deezer@<published_at>;lastfm@<published_at>;spotify@<...>`
    (`published_inputs`). A day is built when its inputs or the previous calendar day's (which
    its day-over-day changes read) differ from those its rows store: a source day published
    late, a day extracted again, or a source day still missing all change it, whatever the
    publication times and whatever order the days and sources arrive in. A full build builds
    every day.
-#}
{% macro open_signal_dates_to_build() %}
published_days as (

    select
        snapshot_date,
        string_agg(
            source || '@' || strftime(published_at, '%Y-%m-%dT%H:%M:%S.%f'), ';' order by source
        ) as published_inputs
    from (
        select snapshot_date, 'spotify' as source, published_at
        from {{ ref('stg_spotify__days') }}
        union all
        select snapshot_date, source, published_at from {{ ref('stg_open_signals__days') }}
    )
    group by snapshot_date

),

day_inputs as (

    select
        days.snapshot_date,
        days.published_inputs,
        previous_days.published_inputs as previous_day_published_inputs
    from published_days as days
    left join published_days as previous_days
        on previous_days.snapshot_date = days.snapshot_date - 1

),

dates_to_build as (

    select snapshot_date from (
        select snapshot_date, published_inputs, previous_day_published_inputs from day_inputs
        {%- if is_incremental() %}
        except
        select distinct snapshot_date, published_inputs, previous_day_published_inputs
        from {{ this }}
        {%- endif %}
    )

)
{% endmacro %}
