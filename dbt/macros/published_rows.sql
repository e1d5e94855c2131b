{#-
    The raw rows a staging model loads: those of the published days it does not hold yet, each
    with its day's published_at and the build loading it (`loaded_at`, macro build_started_at).

    - "Published" days are those of stg_spotify__days (a run summary lists the day's files and
      every one is whole, stg_spotify__raw_files); the files read are those it lists.
    - "Not loaded yet": in an incremental run, the published days whose (snapshot_date,
      published_at) is not in the model's table: new days, late days, and days extracted
      again (a new published_at, even when the files are byte-identical). A full build
      (first run, --full-refresh) reads every published day. A day whose run summary counts
      no row of the entity (an empty playlist file) is never read: its table holds no row of
      it, so it would be "not loaded" forever.
    - The filter is `filename in (<those files>)`, strings of DuckDB's glob of the source's
      pattern, so DuckDB opens no other file (the sources give their columns: no sniffing).
    - A day no longer published (its summary removed, or its new version not whole) leaves
      every incremental model at the end of the build (post-hook keep_published_days).
    - An entity with no file at all (`playlist_tracks` before playlists were tracked) gives no
      rows, with the source's documented columns, where read_csv would stop with "No files
      found".

    At parse time, in unit tests, or before the days table exists, every row is read.
-#}
{% macro published_rows(entity) %}
    {%- set days = ref('stg_spotify__days') -%}
    {%- set read = namespace(filter='true', files=['any']) -%}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(days) is not none -%}
        {%- set pattern = env_var('DATA_DIR', 'data') ~ '/raw/' ~ entity ~ '/*.csv.gz' -%}
        {%- set read.files = run_query("select file from glob('" ~ pattern ~ "')").columns[0].values() -%}
        {%- set wanted -%}
            select listed.file.path from (
                select snapshot_date, published_at, unnest(files) as file from {{ days }}
            ) as listed
            where listed.file.entity = '{{ entity }}' and listed.file.rows is distinct from 0
            {%- if is_incremental() %}
            and not exists (
                select 1 from {{ this }} as loaded
                where loaded.snapshot_date = listed.snapshot_date
                    and loaded.published_at = listed.published_at
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
    select raw.*, days.published_at, {{ build_started_at() }} as loaded_at
    from (select * from {{ source('spotify_raw', entity) }} where {{ read.filter }}) as raw
    inner join {{ days }} as days
        on cast(raw.snapshot_date as date) = days.snapshot_date
    {%- else -%}
        {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', 'spotify_raw')
            | selectattr('name', 'equalto', entity) | first %}
    select {% for column in node.columns %}cast(null as varchar) as {{ column }}, {% endfor %}
        cast(null as timestamp) as published_at, cast(null as timestamp) as loaded_at
    where false
    {%- endif %}
{% endmacro %}


{#- The track objects of the top tracks and of the playlist tracks alike (a playlist track is
    described like a top track), source_order 0 (top tracks) before 1 (playlists) when a track
    is in both on a day: what stg_spotify__tracks and stg_spotify__track_artists read. -#}
{% macro published_track_objects() %}
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename, published_at,
        loaded_at, 0 as source_order
    from ({{ published_rows('top_tracks') }})
    union all
    select track_id, snapshot_date, extracted_at, track_name, track_json, filename, published_at,
        loaded_at, 1 as source_order
    from ({{ published_rows('playlist_tracks') }})
{% endmacro %}


{#- post-hook of the incremental models keyed by snapshot_date (dbt_project.yml): drop the rows of
    the days stg_spotify__days (for the open-signal staging models: their source's
    stg_open_signals__days) no longer publishes, so the tables stay those a from-scratch build
    of the published days gives. stg_spotify__raw_files, which the days are built from, keeps
    its checks (a day is checked once per publication). -#}
{% macro keep_published_days() %}
    {%- if config.get('materialized') == 'incremental' and 'open_signals' in model.fqn -%}
    {#- An open-signal source's day is published on its own (stg_open_signals__days, which these
        models already read through open_signal_rows): stg_deezer__x keeps Deezer's days. -#}
    delete from {{ this }}
    where snapshot_date not in (
        select snapshot_date from {{ ref('stg_open_signals__days') }}
        where source = '{{ model.name.split('__')[0][4:] }}'
    )
    {%- elif config.get('materialized') == 'incremental' and model.name != 'stg_spotify__raw_files' -%}
    delete from {{ this }}
    where snapshot_date not in (select snapshot_date from {{ ref('stg_spotify__days') }})
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}
