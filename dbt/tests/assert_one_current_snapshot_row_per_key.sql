-- At most one current version (dbt_valid_to is null) per key in each snapshot.
with artists as (

    select 'snap_spotify__artists' as snapshot_name, artist_id as entity_id
    from {{ ref('snap_spotify__artists') }}
    where dbt_valid_to is null

),

albums as (

    select 'snap_spotify__albums' as snapshot_name, album_id as entity_id
    from {{ ref('snap_spotify__albums') }}
    where dbt_valid_to is null

),

tracks as (

    select 'snap_spotify__tracks' as snapshot_name, track_id as entity_id
    from {{ ref('snap_spotify__tracks') }}
    where dbt_valid_to is null

),

current_versions as (

    select * from artists
    union all
    select * from albums
    union all
    select * from tracks

),

final as (

    select snapshot_name, entity_id, count(*) as current_version_count
    from current_versions
    group by snapshot_name, entity_id
    having count(*) > 1

)

select * from final
