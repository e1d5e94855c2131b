{{ config(materialized='table') }}

-- Every published day (its run summary written once its three files were complete), small:
-- rebuilt on every build. The staging models load the days of this table they do not hold yet.

with source as (

    select * from {{ source('spotify_raw', 'runs') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        mode as data_source,
        tier as access_tier,
        cast(extracted_at as timestamp) as extracted_at,
        cast(published_at as timestamp) as published_at,
        "rows" as entity_rows,
        {{ build_started_at() }} as loaded_at
    from source

)

select * from final
