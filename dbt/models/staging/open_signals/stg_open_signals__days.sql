{{ config(materialized='table') }}

-- Every published open-signal source day (raw/runs/<source>/<date>.json, written once the
-- source's files of the day are complete) whose files are whole (stg_spotify__raw_files, as
-- for Spotify's days), small: rebuilt on every build. Days of a source that has never run give
-- no rows (and no read of a missing file).

with source as (

    {{ open_signal_runs() }}

),

runs as (

    select
        cast(snapshot_date as date) as snapshot_date,
        source,
        mode as data_source,
        cast(extracted_at as timestamp) as extracted_at,
        cast(published_at as timestamp) as published_at,
        cast(tracks as integer) as tracks
    from source

),

checked as (

    select
        source,
        snapshot_date,
        published_at,
        list({'entity': entity, 'path': path, 'rows': expected_rows} order by entity) as files,
        count(problem) as problems
    from {{ ref('stg_spotify__raw_files') }}
    where source <> 'spotify'
    group by source, snapshot_date, published_at

),

final as (

    select
        runs.snapshot_date,
        runs.source,
        runs.data_source,
        runs.extracted_at,
        runs.published_at,
        runs.tracks,
        -- The files the staging models read (full paths): those the summary lists, or for a
        -- summary written before files were listed, the source's unversioned names.
        checked.files,
        {{ build_started_at() }} as loaded_at
    from runs
    inner join checked
        on runs.source = checked.source
        and runs.snapshot_date = checked.snapshot_date
        and runs.published_at = checked.published_at
    where checked.problems = 0

)

select * from final
