{#-
    on-run-start check: stop a build early, with a message saying what to do, when the raw
    layer has no file for an entity (DuckDB alone would say "No files found that match the
    pattern"). Only for the commands that read the raw files.
-#}
{% macro assert_raw_files_exist() %}
    {%- if execute and flags.WHICH in ('build', 'run', 'snapshot', 'test') -%}
        {%- set missing = [] -%}
        {#- The entity files, and the run summaries that publish the days. -#}
        {%- for entity in ['artists/*.csv.gz', 'albums/*.csv.gz', 'top_tracks/*.csv.gz', 'runs/*.json'] -%}
            {%- set pattern = raw_dir() ~ '/' ~ entity -%}
            {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
            {%- if found == 0 -%}
                {%- do missing.append(pattern) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "No raw file matches " ~ missing | join(', ') ~ ". Extract at least one day first "
                ~ "(python -m ingestion extract --date YYYY-MM-DD) or point DATA_DIR at the folder "
                ~ "holding raw/ (DATA_DIR is '" ~ env_var('DATA_DIR', 'data') ~ "')."
            ) }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
