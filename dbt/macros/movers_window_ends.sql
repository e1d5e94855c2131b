{#-
    The movers marts' comparison: for each key of `daily` (one row per key and snapshot_date)
    and each 7-day window of `windows` (the CTE of the windows to build, macro
    windows_to_build), one row with the window's columns, each label column at the window's
    end (else at its start), each measure at both ends (`<name>_start`, `<name>_end`) and
    whether the key has a row at each end (`is_in_start`, `is_in_end`). Only the daily rows of
    the windows' ends are read.
-#}
{% macro movers_window_ends(daily, key, labels, measures, windows) %}
    {%- set at_start = 'daily.snapshot_date = windows.window_start_date' -%}
    {%- set at_end = 'daily.snapshot_date = windows.window_end_date' -%}
    select
        daily.{{ key }},
        windows.*,
        {%- for label in labels %}
        coalesce(
            any_value(daily.{{ label }}) filter (where {{ at_end }}),
            any_value(daily.{{ label }}) filter (where {{ at_start }})
        ) as {{ label }},
        {%- endfor %}
        {%- for name, column in measures.items() %}
        any_value(daily.{{ column }}) filter (where {{ at_start }}) as {{ name }}_start,
        any_value(daily.{{ column }}) filter (where {{ at_end }}) as {{ name }}_end,
        {%- endfor %}
        bool_or({{ at_start }}) as is_in_start,
        bool_or({{ at_end }}) as is_in_end
    from {{ windows }} as windows
    inner join (
        select * from {{ daily }}
        where snapshot_date in (
            select window_start_date from {{ windows }}
            union
            select window_end_date from {{ windows }}
        )
    ) as daily
        on daily.snapshot_date in (windows.window_start_date, windows.window_end_date)
    group by all
{% endmacro %}
