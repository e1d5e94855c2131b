with track_versions as (

    select * from {{ ref('snap_spotify__tracks') }}

),

current_versions as (

    select * from track_versions where dbt_valid_to is null

),

version_counts as (

    select track_id, count(*) as version_count
    from track_versions
    group by track_id

),

final as (

    select
        current_versions.track_id,
        current_versions.track_name,
        current_versions.album_id,
        current_versions.primary_artist_id,
        current_versions.duration_ms,
        current_versions.is_explicit,
        current_versions.isrc,
        current_versions.disc_number,
        current_versions.track_number,
        current_versions.popularity,
        cast(current_versions.dbt_valid_from as date) as valid_from,
        cast(current_versions.dbt_valid_to as date) as valid_to,
        version_counts.version_count,
        current_versions.first_seen_date,
        current_versions.last_seen_date
    from current_versions
    left join version_counts
        on current_versions.track_id = version_counts.track_id

)

select * from final
