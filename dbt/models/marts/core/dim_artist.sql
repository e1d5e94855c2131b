with current_versions as (

    select * from {{ ref('int_spotify__artist_versions') }}
    where is_current

),

roster as (

    select * from {{ ref('stg_spotify__artists') }}

),

listed_artists as (

    -- Artists named on collected tracks and albums: a track's primary artist need not be a
    -- tracked artist, and the fact still points at it.
    select artist_id, artist_name, snapshot_date from {{ ref('stg_spotify__track_artists') }}
    union all
    select artist_id, artist_name, snapshot_date from {{ ref('stg_spotify__album_artists') }}

),

tracked_or_once_tracked as (

    select
        artist_id,
        artist_name,
        genres,
        -- The tracked artists are those of the latest artists file.
        artist_id in (
            select artist_id from roster
            where snapshot_date = (select max(snapshot_date) from roster)
        ) as is_tracked,
        true as has_artist_details,
        valid_from,
        valid_to,
        cast(version_number as bigint) as version_count,
        first_seen_date,
        last_seen_date
    from current_versions

),

listed_only as (

    select
        artist_id,
        first(artist_name order by snapshot_date desc, artist_name) as artist_name,
        cast(null as varchar[]) as genres,
        false as is_tracked,
        false as has_artist_details,
        min(snapshot_date) as valid_from,
        cast(null as date) as valid_to,
        cast(0 as bigint) as version_count,
        min(snapshot_date) as first_seen_date,
        max(snapshot_date) as last_seen_date
    from listed_artists
    where artist_id not in (select artist_id from current_versions)
    group by artist_id

),

final as (

    select * from tracked_or_once_tracked
    union all
    select * from listed_only

)

select * from final
