-- Each album's current version of its descriptive attributes, and how many versions it had.

with versions as (

    select * from {{ ref('int_spotify__album_versions') }}

),

current_versions as (

    select * from versions
    where is_current

),

final as (

    select
        album_id,
        album_name,
        album_type,
        release_date,
        release_date_precision,
        label,
        total_tracks,
        primary_artist_id,
        valid_from,
        valid_to,
        cast(version_number as bigint) as version_count,
        first_seen_date,
        last_seen_date
    from current_versions

)

select * from final
