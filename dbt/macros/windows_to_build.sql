{#-
    The incremental idiom of the movers marts (docs block movers_incremental), the windows'
    counterpart of dates_to_build: CTEs `window_inputs` (each 7-day window of
    int_movers_windows_7d with the inputs of `days`, the publication(s) the daily rows are
    built from, at the window's start and at its end) and `windows_to_build` (the windows whose
    dates or inputs differ from those the model's rows store; every window in a full build).
    A mover compares a key's rows at the two ends only, so a window is rebuilt when either
    end's day changes, a day arrives inside it (its start moves) or its end day is new.
-#}
{% macro windows_to_build(days, inputs='published_at') %}
window_inputs as (

    select
        windows.window_end_date,
        windows.window_start_date,
        start_days.{{ inputs }} as window_start_{{ inputs }},
        end_days.{{ inputs }} as window_end_{{ inputs }}
    from {{ ref('int_movers_windows_7d') }} as windows
    left join {{ days }} as start_days
        on windows.window_start_date = start_days.snapshot_date
    left join {{ days }} as end_days
        on windows.window_end_date = end_days.snapshot_date

),

windows_to_build as (

    select * from window_inputs
    {%- if is_incremental() %}
    except
    select distinct
        window_end_date, window_start_date, window_start_{{ inputs }}, window_end_{{ inputs }}
    from {{ this }}
    {%- endif %}

)
{% endmacro %}


{#- post-hook of the movers marts (macro windows_to_build): drop the rows of a window that is
    gone (its end day withdrawn) or no longer has the dates and inputs they were built from. A
    window rebuilt to no row (nothing at both ends any more) keeps no old rows, which
    delete+insert alone would. -#}
{% macro keep_built_windows(days_model, inputs='published_at') %}
    {%- if not execute -%}
    select 1
    {%- else -%}
    {%- set windows = relation_of('int_movers_windows_7d') -%}
    {%- set days = relation_of(days_model) -%}
    delete from {{ this }} as built
    where not exists (
        select 1
        from {{ windows }} as windows
        left join {{ days }} as start_days
            on windows.window_start_date = start_days.snapshot_date
        left join {{ days }} as end_days
            on windows.window_end_date = end_days.snapshot_date
        where windows.window_end_date = built.window_end_date
            and windows.window_start_date = built.window_start_date
            and start_days.{{ inputs }} is not distinct from built.window_start_{{ inputs }}
            and end_days.{{ inputs }} is not distinct from built.window_end_{{ inputs }}
    )
    {%- endif -%}
{% endmacro %}
