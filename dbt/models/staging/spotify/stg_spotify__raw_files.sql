{#-
    Every file a published day's run summary lists, checked before the day is loaded: present,
    of the size and sha256 the summary gives, then (checksum good, so its gzip is whole) holding
    the rows the summary counts. The days of every source are checked alike: Spotify's
    (`raw/runs/<date>.json`, source `spotify`) and each open-signal source's
    (`raw/runs/<source>/<date>.json`), keyed by (source, snapshot_date), so two sources'
    summaries of one date are two publications. Only the (source, day, published_at) not checked
    yet are read, so a day costs one check, when it is published. `problem` says what is wrong
    (NULL: the file is whole); a day with a problem is left out of stg_spotify__days (or
    stg_open_signals__days), hence of every model, and the test assert_published_days_are_whole
    fails the build naming it.

    A summary written before files were listed (no `files`) gives its unversioned files, checked
    for presence only (no checksum to trust their gzip with): extract such a day again to have it
    checked whole.
-#}
{{ config(unique_key=['source', 'snapshot_date']) }}

{%- set raw_folder = raw_dir() -%}

{#- Each source's entities: the unversioned files of a summary that lists none. -#}
{%- set legacy_entities = {
    'spotify': ['artists', 'top_tracks', 'playlist_tracks', 'albums'],
    'deezer': ['deezer_tracks', 'deezer_artists', 'deezer_albums', 'deezer_matches'],
    'lastfm': ['lastfm_tracks', 'lastfm_artists', 'lastfm_matches'],
} -%}

{%- set listed_sql -%}
with published as (

    select
        'spotify' as source,
        snapshot_date,
        published_at,
        files,
        "rows" as entity_rows
    from {{ source('spotify_raw', 'runs') }}
    union all
    select source, snapshot_date, published_at, files, null  -- rows counted in `files` only
    from ({{ open_signal_runs() }})

),

runs as (

    select
        source,
        cast(snapshot_date as date) as snapshot_date,
        cast(published_at as timestamp) as published_at,
        files,
        entity_rows
    from published
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as checked
        where checked.source = published.source
            and checked.snapshot_date = cast(published.snapshot_date as date)
            and checked.published_at = cast(published.published_at as timestamp)
    )
    {%- endif %}

)

select
    source,
    snapshot_date,
    published_at,
    listed_file.file.entity,
    '{{ raw_folder }}/' || listed_file.file.path as path,
    listed_file.file."rows" as expected_rows,
    listed_file.file.bytes as expected_bytes,
    listed_file.file.sha256 as expected_sha256
from runs, unnest(files) as listed_file(file)
{%- for source_name, entities in legacy_entities.items() %}
{%- for entity in entities %}
union all
select
    source,
    snapshot_date,
    published_at,
    '{{ entity }}',
    '{{ raw_folder }}/{{ entity }}/' || strftime(snapshot_date, '%Y-%m-%d') || '.csv.gz',
    {{ 'entity_rows.' ~ entity if source_name == 'spotify' else 'null' }},
    null,
    null
from runs
where files is null and source = '{{ source_name }}'
    {%- if source_name == 'spotify' %} and entity_rows.{{ entity }} is not null{% endif %}
{%- endfor %}
{%- endfor %}
{%- endset -%}

{#- What the files hold: read at execution only (blobs first; rows only of the files whose
    checksum matches, so a truncated gzip is never parsed). -#}
{#- Lookups are dicts: a year from scratch lists thousands of files, and a search through a
    list per file made this model quadratic in them. -#}
{%- set found = namespace(publications={}, blobs=[], counts=[]) -%}
{%- if execute and model.resource_type != 'unit_test' -%}
    {%- set listed = run_query(listed_sql) -%}
    {%- for row in listed.rows -%}
        {%- do found.publications.update({
            (row['source'], row['snapshot_date'] | string, row['published_at'] | string): true
        }) -%}
    {%- endfor -%}
    {%- set existing = {} -%}
    {%- for file in run_query(
        "select file from glob('" ~ raw_folder ~ "/*/*.csv.gz')"
    ).columns[0].values() -%}
        {%- do existing.update({file: true}) -%}
    {%- endfor -%}
    {%- set present = [] -%}
    {%- for path in listed.columns['path'].values() | unique if path in existing -%}
        {%- do present.append("'" ~ path.replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {%- set blob_of = {} -%}
    {%- if present -%}
        {%- set blobs = run_query(
            "select filename, size, sha256(content) from read_blob([" ~ present | join(', ') ~ "])"
        ) -%}
        {%- set found.blobs = blobs.rows -%}
        {%- for blob in blobs.rows -%}
            {%- do blob_of.update({blob[0]: blob}) -%}
        {%- endfor -%}
    {%- endif -%}
    {#- Rows are counted with one query per entity (a year from scratch lists thousands of
        files): {(raw source, entity): {path: 0}}, then each count found. -#}
    {%- set to_count = {} -%}
    {%- for row in listed.rows -%}
        {%- set blob = blob_of.get(row['path']) -%}
        {%- if blob and row['expected_sha256'] is not none and blob[1] == row['expected_bytes']
            and blob[2] == row['expected_sha256'] -%}
            {%- set raw_source = 'spotify_raw' if row['source'] == 'spotify' else 'open_signals_raw' -%}
            {%- do to_count.setdefault((raw_source, row['entity']), {}).update({row['path']: 0}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for entity_source, paths in to_count.items() -%}
        {%- set quoted = [] -%}
        {%- for path in paths -%}
            {%- do quoted.append("'" ~ path.replace("'", "''") ~ "'") -%}
        {%- endfor -%}
        {%- for file in run_query(
            "select filename, count(*) from " ~ source(*entity_source)
            ~ " where filename in (" ~ quoted | join(', ') ~ ") group by filename"
        ).rows -%}
            {%- do paths.update({file[0]: file[1]}) -%}
        {%- endfor -%}
        {%- do found.counts.extend(paths.items()) -%}
    {%- endfor -%}
{%- endif -%}

with listed as (

    {{ listed_sql | indent(4) }}

),

compiled as (

    -- The publications listed when the files were looked at (above, at compile time). A
    -- summary published while this build runs waits for the next build: checked now, against
    -- files found before it was written, it would count as missing for good.
    select * from (values
        {%- for source, day, published_at in found.publications %}
        ('{{ source }}', date '{{ day }}', timestamp '{{ published_at }}'){{ ',' if not loop.last }}
        {%- else %}
        (null, null, null)
        {%- endfor %}
    ) as compiled(source, snapshot_date, published_at)
    where source is not null

),

blobs as (

    select * from (values
        {%- for blob in found.blobs %}
        ('{{ blob[0] | replace("'", "''") }}', {{ blob[1] }}, '{{ blob[2] }}'){{ ',' if not loop.last }}
        {%- else %}
        (null, null, null)
        {%- endfor %}
    ) as blobs(path, actual_bytes, actual_sha256)
    where path is not null

),

counted as (

    select * from (values
        {%- for path, rows in found.counts %}
        ('{{ path | replace("'", "''") }}', {{ rows }}){{ ',' if not loop.last }}
        {%- else %}
        (null, null)
        {%- endfor %}
    ) as counted(path, actual_rows)
    where path is not null

),

final as (

    select
        listed.source,
        listed.snapshot_date,
        listed.published_at,
        listed.entity,
        listed.path,
        listed.expected_rows,
        listed.expected_bytes,
        listed.expected_sha256,
        cast(blobs.actual_bytes as bigint) as actual_bytes,
        cast(blobs.actual_sha256 as varchar) as actual_sha256,
        cast(counted.actual_rows as bigint) as actual_rows,
        case
            when blobs.path is null then 'missing'
            when listed.expected_sha256 is null then null  -- unversioned: presence only
            when blobs.actual_bytes <> listed.expected_bytes
                then 'holds ' || blobs.actual_bytes || ' bytes, the run summary says '
                    || listed.expected_bytes || ' (truncated or rewritten)'
            when blobs.actual_sha256 <> listed.expected_sha256
                then 'its sha256 differs from the run summary''s (corrupt or rewritten)'
            when counted.actual_rows is distinct from listed.expected_rows
                then 'holds ' || counted.actual_rows || ' rows, the run summary counts '
                    || coalesce(cast(listed.expected_rows as varchar), 'none')
        end as problem,
        {{ build_started_at() }} as loaded_at
    from listed
    inner join compiled
        on listed.source = compiled.source
        and listed.snapshot_date = compiled.snapshot_date
        and listed.published_at = compiled.published_at
    left join blobs on listed.path = blobs.path
    left join counted on listed.path = counted.path

)

select * from final
