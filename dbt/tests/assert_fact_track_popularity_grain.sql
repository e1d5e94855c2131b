-- The fact's grain: exactly one row per track and snapshot date collected as a top track or
-- a playlist track (none missing, none doubled), over every snapshot date of the raw layer (in a
-- daily build, those it loaded and the 7 after each: macro days_loaded_by_this_build).
{%- set days = days_loaded_by_this_build(ref('fact_track_popularity')) %}
{%- set of_days = 'where ' ~ days if days else '' %}

with collected as (

    select track_id, snapshot_date from {{ ref('stg_spotify__top_tracks') }} {{ of_days }}
    union
    select track_id, snapshot_date from {{ ref('stg_spotify__playlist_tracks') }} {{ of_days }}

),

fact_keys as (

    select track_id, snapshot_date, count(*) as fact_row_count
    from {{ ref('fact_track_popularity') }} {{ of_days }}
    group by track_id, snapshot_date

),

final as (

    select *, collected.track_id is not null as is_collected
    from collected
    full outer join fact_keys using (track_id, snapshot_date)
    where collected.track_id is null or fact_keys.fact_row_count is distinct from 1

)

select * from final
