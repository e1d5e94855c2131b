{#-
    The raw rows a base model (base_<source>__<entity>s, the only reader of an entity's files)
    holds in this build: those of the published days one of the staging models built from it
    does not hold yet, each with its day's published_at and the build reading it (`loaded_at`,
    macro build_started_at).

    - "Published" days are those of stg_spotify__days (a run summary lists the day's files and
      every one is whole, stg_spotify__raw_files); the files read are those it lists.
    - `source_name` (`deezer`, `lastfm`): an open-signal source's entity (e.g. deezer_matches),
      of the days that source published (stg_open_signals__days, whose files its own summary
      raw/runs/<source>/<date>.json lists): a source's day is published on its own, so a day
      Spotify published and Deezer did not has no Deezer rows until Deezer's day is backfilled.
    - "Not held yet": the published days whose (snapshot_date, published_at) is missing from at
      least one model selecting from the base model (found in dbt's graph): new days, late
      days, and days extracted again (a new published_at, even when the files are
      byte-identical). A full build (first run, --full-refresh, a consumer not built yet) reads
      every published day. A day whose run summary counts no row of the entity (an empty
      playlist file) is never read: no table holds a row of it, so it would be "not held" forever.
    - The filter is `filename in (<those files>)`, strings of DuckDB's glob of the source's
      pattern, so DuckDB opens no other file (the sources give their columns: no sniffing).
    - `parse_json`: {JSON column: {field: type, ...}}. Each such column (the service's whole
      answer as text) becomes a STRUCT of the fields the warehouse reads, parsed once here
      (json_transform; a missing field is NULL). Leaf types are VARCHAR, the text
      json_extract_string gives, so staging casts them as before. At 1,000 artists the raw
      album and track objects are about 100 MB a day, mostly fields no model reads
      (available_markets): storing and re-parsing them was most of a full build's time.
    - An entity with no file at all (`playlist_tracks` before playlists were tracked) gives no
      rows, with the source's documented columns, where read_csv would stop with "No files
      found".

    At parse time, in unit tests, or before the days table exists, every row is read.
-#}
{% macro published_rows(entity, source_name=none, parse_json={}) %}
    {%- set days = ref('stg_open_signals__days') if source_name else ref('stg_spotify__days') -%}
    {%- set raw_source = 'open_signals_raw' if source_name else 'spotify_raw' -%}
    {%- set of_source = "source = '" ~ source_name ~ "'" if source_name else 'true' -%}
    {%- set read = namespace(filter='true', files=['any'], held=[], all=flags.FULL_REFRESH) -%}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(days) is not none -%}
        {#- The models built from this one, as they stand before this build. -#}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and model.unique_id in node.depends_on.nodes -%}
            {%- set consumer = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if consumer is none -%}
                {%- set read.all = true -%}
            {%- else -%}
                {%- do read.held.append(consumer) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set pattern = raw_dir() ~ '/' ~ entity ~ '/*.csv.gz' -%}
        {%- set read.files = run_query("select file from glob('" ~ pattern ~ "')").columns[0].values() -%}
        {%- set wanted -%}
            select listed.file.path from (
                select snapshot_date, published_at, unnest(files) as file from {{ days }}
                where {{ of_source }}
            ) as listed
            where listed.file.entity = '{{ entity }}' and listed.file.rows is distinct from 0
            {%- if read.held and not read.all %}
            and (
                {%- for held in read.held %}
                not exists (
                    select 1 from {{ held }} as held
                    where held.snapshot_date = listed.snapshot_date
                        and held.published_at = listed.published_at
                ){{ ' or' if not loop.last }}
                {%- endfor %}
            )
            {%- endif %}
        {%- endset -%}
        {%- set wanted = run_query(wanted).columns[0].values() | list -%}
        {%- set chosen = [] -%}
        {%- for file in read.files if file in wanted -%}
            {%- do chosen.append("'" ~ file.replace("'", "''") ~ "'") -%}
        {%- endfor -%}
        {%- set read.filter = 'filename in (' ~ chosen | join(', ') ~ ')' if chosen else 'false' -%}
    {%- endif -%}
    {%- if read.files %}
    select
        raw.*{% if parse_json %} replace (
            {%- for column, fields in parse_json.items() %}
            {{ json_fields('raw.' ~ column, fields) }} as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        ){% endif %},
        days.published_at,
        {{ build_started_at() }} as loaded_at
    from (select * from {{ source(raw_source, entity) }} where {{ read.filter }}) as raw
    inner join (select * from {{ days }} where {{ of_source }}) as days
        on cast(raw.snapshot_date as date) = days.snapshot_date
    {%- else -%}
        {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', raw_source)
            | selectattr('name', 'equalto', entity) | first %}
    select
        {%- for column in node.columns %}
        {% if column in parse_json -%}
            {#- a JSON null, not SQL's NULL: a NULL of the STRUCT type (NULL gives type "NULL") -#}
            {{ json_fields("'null'", parse_json[column]) }}
        {%- else %}cast(null as varchar){% endif %} as {{ column }},
        {%- endfor %}
        cast(null as timestamp) as published_at, cast(null as timestamp) as loaded_at
    where false
    {%- endif %}
{% endmacro %}


{#- post-hook of the incremental models keyed by snapshot_date: drop the rows of the days no
    longer published, so the tables stay those a from-scratch build of the published days gives:
    the days of stg_spotify__days, or for a model whose config says
    `meta: {open_signal_source: <source>}`, that source's days in stg_open_signals__days.
    `days_model` + `inputs` (the open-signal marts, built from several sources' days): drop the
    rows whose day no longer has the publications they were built from (`inputs`, macro
    dates_to_build): a day whose every open-signal source was withdrawn rebuilds to no row, so
    delete+insert alone would keep its old rows. stg_spotify__raw_files, which the days are built
    from, keeps its checks (a day is checked once per publication). -#}
{% macro keep_published_days(days_model=none, inputs=none) %}
    {%- if config.get('materialized') == 'incremental' and model.name != 'stg_spotify__raw_files' -%}
    {%- set source_name = config.get('meta', {}).get('open_signal_source') -%}
    {%- set days = relation_of(days_model or
        ('stg_open_signals__days' if source_name else 'stg_spotify__days')) -%}
    delete from {{ this }} as built
    {%- if inputs %}
    where not exists (
        select 1 from {{ days }} as days
        where days.snapshot_date = built.snapshot_date and days.{{ inputs }} = built.{{ inputs }}
    )
    {%- else %}
    where snapshot_date not in (
        select snapshot_date from {{ days }}
        {%- if source_name %} where source = '{{ source_name }}'{% endif %}
    )
    {%- endif %}
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}


{#- A JSON text column parsed once into a STRUCT of `fields` ({name: type or nested}). -#}
{% macro json_fields(column, fields) -%}
    json_transform({{ column }}, '{{ tojson(fields) }}')
{%- endmacro %}
