{{ config(materialized='table') }}

-- Every published day whose files are whole (stg_spotify__raw_files: every file its run summary
-- lists present, with the size, sha256 and rows the summary gives), small: rebuilt on every
-- build. The base models read the files it lists, of the days the staging tables do not hold
-- yet.

with source as (

    select * from {{ source('spotify_raw', 'runs') }}

),

runs as (

    select
        cast(snapshot_date as date) as snapshot_date,
        mode as data_source,
        tier as access_tier,
        cast(extracted_at as timestamp) as extracted_at,
        cast(published_at as timestamp) as published_at,
        "rows" as entity_rows
    from source

),

checked as (

    select
        snapshot_date,
        published_at,
        list({'entity': entity, 'path': path, 'rows': expected_rows} order by entity) as files,
        count(problem) as problems
    from {{ ref('stg_spotify__raw_files') }}
    where source = 'spotify'
    group by snapshot_date, published_at

),

final as (

    select
        runs.snapshot_date,
        runs.data_source,
        runs.access_tier,
        runs.extracted_at,
        runs.published_at,
        runs.entity_rows,
        checked.files,
        {{ build_started_at() }} as loaded_at
    from runs
    inner join checked
        on runs.snapshot_date = checked.snapshot_date
        and runs.published_at = checked.published_at
    where checked.problems = 0

)

select * from final
