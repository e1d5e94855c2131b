{{ config(materialized='view') }}

-- The files of the currently published version of each source's day (Spotify's and the
-- open-signal sources') that are not whole: what keeps the day out of the warehouse. Nothing
-- is built from it, so the test on it (assert_published_days_are_whole) fails the build without
-- holding back the whole days.

with spotify_runs as (

    select * from {{ source('spotify_raw', 'runs') }}

),

open_signal_runs as (

    {{ open_signal_runs() }}

),

published as (

    select 'spotify' as source, snapshot_date, published_at from spotify_runs
    union all
    select source, snapshot_date, published_at from open_signal_runs

),

runs as (

    select
        source,
        cast(snapshot_date as date) as snapshot_date,
        cast(published_at as timestamp) as published_at
    from published

),

checked as (

    select * from {{ ref('stg_spotify__raw_files') }}

),

final as (

    select
        checked.source,
        checked.snapshot_date,
        checked.entity,
        checked.path,
        checked.problem,
        checked.published_at,
        checked.loaded_at
    from checked
    inner join runs
        on checked.source = runs.source
        and checked.snapshot_date = runs.snapshot_date
        and checked.published_at = runs.published_at
    where checked.problem is not null

)

select * from final
