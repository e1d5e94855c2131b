-- Each track's current version of its descriptive attributes, and how many versions it had.

with versions as (

    select * from {{ ref('int_spotify__track_versions') }}

),

current_versions as (

    select * from versions
    where is_current

),

final as (

    select
        track_id,
        track_name,
        album_id,
        primary_artist_id,
        duration_ms,
        is_explicit,
        isrc,
        disc_number,
        track_number,
        valid_from,
        valid_to,
        cast(version_number as bigint) as version_count,
        first_seen_date,
        last_seen_date
    from current_versions

)

select * from final
