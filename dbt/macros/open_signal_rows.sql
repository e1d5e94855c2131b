{#-
    The open-signal counterpart of published_rows (Deezer's and Last.fm's raw files,
    docs/interfaces.md section 2): the rows of `entity` (e.g. deezer_matches) of the days the
    source published (stg_open_signals__days) that the model does not hold yet, each with its
    day's published_at and the build loading it. A source's day is published on its own
    (raw/runs/<source>/<date>.json), so a day Spotify published and Deezer did not has no
    Deezer rows until Deezer's day is backfilled. No file at all (open signals off, or days
    extracted before they existed) gives no rows, with the source's documented columns.
-#}
{% macro open_signal_rows(source_name, entity) %}
    {%- set days = ref('stg_open_signals__days') -%}
    {%- set read = namespace(filter='true', files=['any']) -%}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(days) is not none -%}
        {%- set pattern = env_var('DATA_DIR', 'data') ~ '/raw/' ~ entity ~ '/*.csv.gz' -%}
        {%- set read.files = run_query("select file from glob('" ~ pattern ~ "')").columns[0].values() -%}
        {%- set wanted -%}
            select strftime(snapshot_date, '%Y-%m-%d') from (
                select snapshot_date, published_at from {{ days }}
                where source = '{{ source_name }}'
                {%- if is_incremental() %}
                except
                select snapshot_date, published_at from {{ this }}
                {%- endif %}
            )
        {%- endset -%}
        {%- set wanted = run_query(wanted).columns[0].values() | list -%}
        {%- set chosen = [] -%}
        {%- for file in read.files if file.split('/')[-1][:10] in wanted -%}
            {%- do chosen.append("'" ~ file.replace("'", "''") ~ "'") -%}
        {%- endfor -%}
        {%- set read.filter = 'filename in (' ~ chosen | join(', ') ~ ')' if chosen else 'false' -%}
    {%- endif -%}
    {%- if read.files %}
    select raw.*, days.published_at, {{ build_started_at() }} as loaded_at
    from (select * from {{ source('open_signals_raw', entity) }} where {{ read.filter }}) as raw
    inner join {{ days }} as days
        on cast(raw.snapshot_date as date) = days.snapshot_date
        and days.source = '{{ source_name }}'
    {%- else -%}
        {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', 'open_signals_raw')
            | selectattr('name', 'equalto', entity) | first %}
    select {% for column in node.columns %}cast(null as varchar) as {{ column }}, {% endfor %}
        cast(null as timestamp) as published_at, cast(null as timestamp) as loaded_at
    where false
    {%- endif %}
{% endmacro %}
