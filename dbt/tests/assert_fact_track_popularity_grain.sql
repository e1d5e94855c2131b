-- The fact's grain: exactly one row per track and snapshot date collected as a top track or
-- a playlist track (none missing, none doubled), over every snapshot date of the raw layer.
with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

rankings as (

    select * from {{ ref('stg_spotify__top_tracks') }}

),

playlist_tracks as (

    select * from {{ ref('stg_spotify__playlist_tracks') }}

),

expected_keys as (

    select track_id, snapshot_date from rankings
    union
    select track_id, snapshot_date from playlist_tracks

),

fact_keys as (

    select track_id, snapshot_date, count(*) as row_count
    from facts
    group by track_id, snapshot_date

),

compared as (

    select
        coalesce(expected_keys.track_id, fact_keys.track_id) as track_id,
        coalesce(expected_keys.snapshot_date, fact_keys.snapshot_date) as snapshot_date,
        expected_keys.track_id is not null as is_collected,
        coalesce(fact_keys.row_count, 0) as fact_row_count
    from expected_keys
    full outer join fact_keys
        on expected_keys.track_id = fact_keys.track_id
        and expected_keys.snapshot_date = fact_keys.snapshot_date

),

final as (

    select *
    from compared
    where not is_collected or fact_row_count <> 1

)

select * from final
