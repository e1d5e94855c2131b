{#- The raw layer's folder, `$DATA_DIR/raw`, spelled as DuckDB spells the files it globs and reads
    (POSIX normpath: no `.` or empty part, `..` folded, no trailing `/`), so a path built from it
    equals the `filename` DuckDB reports: with DATA_DIR=./data or data/ every file a run summary
    lists would otherwise count as missing. -#}
{% macro raw_dir() -%}
    {%- set given = env_var('DATA_DIR', 'data') -%}
    {%- set absolute = given.startswith('/') -%}
    {%- set path = namespace(parts=[]) -%}
    {%- for part in (given ~ '/raw').split('/') if part not in ('', '.') -%}
        {%- if part != '..' or (path.parts and path.parts[-1] != '..') -%}
            {%- set path.parts = path.parts[:-1] if part == '..' else path.parts + [part] -%}
        {%- elif not absolute -%}
            {%- set path.parts = path.parts + [part] -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(('/' if absolute else '') ~ path.parts | join('/')) -}}
{%- endmacro %}
