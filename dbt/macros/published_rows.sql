{#-
    The rows of a raw source's published days not loaded yet: `select * from <source> where
    <published_files(entity)>` (macro published_files), for an entity that not every published
    day has. `playlist_tracks` is written since playlists are tracked: the days published
    before have no file, and a raw layer may have none at all, where DuckDB's read_csv would
    stop with "No files found". Then this is an empty select with the source's documented
    columns (all text, as the source reads them). The source is referenced either way, for
    the lineage.
-#}
{% macro published_rows(source_name, table_name) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and model.resource_type != 'unit_test' and not raw_files_exist(table_name) -%}
        {%- set node = graph.sources.values()
            | selectattr('source_name', 'equalto', source_name)
            | selectattr('name', 'equalto', table_name) | first -%}
        select
        {%- for column in node.columns %}
            cast(null as varchar) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
        where false
    {%- else -%}
        select * from {{ relation }}
        where {{ published_files(table_name) }}
    {%- endif -%}
{% endmacro %}


{#- Whether the raw layer holds at least one file of `entity` (the pattern of the sources). -#}
{% macro raw_files_exist(entity) %}
    {%- set pattern = env_var('DATA_DIR', 'data') ~ '/raw/' ~ entity ~ '/*.csv.gz' -%}
    {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
    {{ return(found > 0) }}
{% endmacro %}
