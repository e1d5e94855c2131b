{#-
    The filter a staging model puts on its raw source so that a build reads only what is new:
    `filename in (<files of the published days not loaded yet>)`.

    - "Published" days are those of stg_spotify__days (a run summary exists: the day's three
      files are complete). A day being extracted again is unpublished until it is complete.
    - "Not loaded yet": in an incremental run, the published days whose (snapshot_date,
      published_at) is not in the model's table: new days, late days, and days extracted
      again (a new published_at, even when the files are byte-identical). A full build
      (first run, --full-refresh) reads every published day.
    - The list of files comes from DuckDB's glob of the same pattern as the source, so the
      strings are exactly read_csv's `filename` values, and DuckDB skips every other file
      (the sources give their columns, so no file is opened to sniff them).

    The model must also ref('stg_spotify__days') (it joins it for published_at), which builds
    the days first. At parse time, in unit tests, or before the days table exists, the filter
    is `true` (everything the source gives).
-#}
{% macro published_files(entity) %}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set days = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='stg_spotify__days') -%}
    {%- if days is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- if is_incremental() -%}
        {%- set days_sql -%}
            select strftime(snapshot_date, '%Y-%m-%d') from (
                select snapshot_date, published_at from {{ days }}
                except
                select snapshot_date, published_at from {{ this }}
            )
        {%- endset -%}
    {%- else -%}
        {%- set days_sql -%}
            select strftime(snapshot_date, '%Y-%m-%d') from {{ days }}
        {%- endset -%}
    {%- endif -%}
    {%- set wanted = run_query(days_sql).columns[0].values() | list -%}
    {%- if not wanted -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set pattern = env_var('DATA_DIR', 'data') ~ '/raw/' ~ entity ~ '/*.csv.gz' -%}
    {%- set files = run_query("select file from glob('" ~ pattern ~ "')").columns[0].values() -%}
    {%- set chosen = [] -%}
    {%- for file in files -%}
        {#- Files are named <YYYY-MM-DD>.csv.gz (ingestion.raw_writer.raw_path). -#}
        {%- if file.split('/')[-1][:10] in wanted -%}
            {%- do chosen.append("'" ~ file.replace("'", "''") ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('filename in (' ~ chosen | join(', ') ~ ')' if chosen else 'false') }}
{% endmacro %}
