{{ config(materialized='table') }}

-- Every published open-signal source day (raw/runs/<source>/<date>.json, written once the
-- source's files of the day are complete), small: rebuilt on every build. Days of a source
-- that has never run give no rows (and no read of a missing file).

{%- set data_dir = env_var('DATA_DIR', 'data') -%}
{%- set found = namespace(any=not execute) %}
{%- if execute %}
    {%- set pattern = env_var('DATA_DIR', 'data') ~ '/raw/runs/*/*.json' -%}
    {%- set found.any = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] > 0 -%}
{%- endif %}

with source as (

    {% if found.any -%}
    select * from {{ source('open_signals_raw', 'runs') }}
    {%- else -%}
    select
        cast(null as varchar) as snapshot_date,
        cast(null as varchar) as source,
        cast(null as varchar) as mode,
        cast(null as varchar) as extracted_at,
        cast(null as varchar) as published_at,
        cast(null as bigint) as tracks,
        cast(null as struct(entity varchar, path varchar, "rows" bigint)[]) as files
    where false
    {%- endif %}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        source,
        mode as data_source,
        cast(extracted_at as timestamp) as extracted_at,
        cast(published_at as timestamp) as published_at,
        cast(tracks as integer) as tracks,
        -- The files the staging models read (full paths): those the summary lists, or for a
        -- summary written before files were listed, the source's unversioned names.
        coalesce(
            list_transform(
                files,
                lambda f: {'entity': f.entity, 'path': '{{ data_dir }}/raw/' || f.path, 'rows': f."rows"}
            ),
            list_transform(
                case source
                    when 'deezer' then ['deezer_tracks', 'deezer_artists', 'deezer_albums', 'deezer_matches']
                    when 'lastfm' then ['lastfm_tracks', 'lastfm_artists', 'lastfm_matches']
                end,
                lambda e: {
                    'entity': e,
                    'path': '{{ data_dir }}/raw/' || e || '/' || snapshot_date || '.csv.gz',
                    'rows': cast(null as bigint)
                }
            )
        ) as files,
        {{ build_started_at() }} as loaded_at
    from source

)

select * from final
