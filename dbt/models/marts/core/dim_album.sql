with album_versions as (

    select * from {{ ref('snap_spotify__albums') }}

),

current_versions as (

    select * from album_versions where dbt_valid_to is null

),

version_counts as (

    select album_id, count(*) as version_count
    from album_versions
    group by album_id

),

final as (

    select
        current_versions.album_id,
        current_versions.album_name,
        current_versions.album_type,
        current_versions.release_date,
        current_versions.release_date_precision,
        current_versions.label,
        current_versions.total_tracks,
        current_versions.popularity,
        current_versions.primary_artist_id,
        cast(current_versions.dbt_valid_from as date) as valid_from,
        cast(current_versions.dbt_valid_to as date) as valid_to,
        version_counts.version_count,
        current_versions.first_seen_date,
        current_versions.last_seen_date
    from current_versions
    left join version_counts
        on current_versions.album_id = version_counts.album_id

)

select * from final
