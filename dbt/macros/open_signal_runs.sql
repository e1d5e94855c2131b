{#- The open-signal run summaries (source open_signals_raw.runs), or no row, with the same
    columns, before any source has run: read_json stops on a pattern matching no file. -#}
{% macro open_signal_runs() %}
    {%- set found = namespace(any=not execute) -%}
    {%- if execute -%}
        {%- set pattern = raw_dir() ~ '/runs/*/*.json' -%}
        {%- set found.any = run_query(
            "select count(*) from glob('" ~ pattern ~ "')"
        ).columns[0].values()[0] > 0 -%}
    {%- endif -%}
    {%- if found.any -%}
    select * from {{ source('open_signals_raw', 'runs') }}
    {%- else -%}
    select
        cast(null as varchar) as snapshot_date,
        cast(null as varchar) as source,
        cast(null as varchar) as mode,
        cast(null as varchar) as extracted_at,
        cast(null as varchar) as published_at,
        cast(null as bigint) as tracks,
        cast(null as struct(entity varchar, path varchar, "rows" bigint, bytes bigint, sha256 varchar)[]) as files,
        cast(null as varchar) as filename
    where false
    {%- endif -%}
{% endmacro %}
