with artist_versions as (

    select * from {{ ref('int_spotify__artist_versions') }}

),

roster as (

    select * from {{ ref('stg_spotify__artists') }}

),

track_artists as (

    select * from {{ ref('stg_spotify__track_artists') }}

),

album_artists as (

    select * from {{ ref('stg_spotify__album_artists') }}

),

latest_roster as (

    -- The tracked artists are those of the latest artists file.
    select artist_id
    from roster
    where snapshot_date = (select max(snapshot_date) from roster)

),

current_versions as (

    select * from artist_versions where is_current

),

listed_artists as (

    -- Artists named on collected tracks and albums: a track's primary artist need not be a
    -- tracked artist, and the fact still points at it.
    select artist_id, artist_name, snapshot_date from track_artists
    union all
    select artist_id, artist_name, snapshot_date from album_artists

),

latest_listing as (

    select
        artist_id,
        artist_name,
        min(snapshot_date) over (partition by artist_id) as first_seen_date,
        max(snapshot_date) over (partition by artist_id) as last_seen_date
    from listed_artists
    qualify row_number() over (
        partition by artist_id order by snapshot_date desc, artist_name
    ) = 1

),

tracked_or_once_tracked as (

    select
        current_versions.artist_id,
        current_versions.artist_name,
        current_versions.genres,
        latest_roster.artist_id is not null as is_tracked,
        true as has_artist_details,
        current_versions.valid_from,
        current_versions.valid_to,
        cast(current_versions.version_number as bigint) as version_count,
        current_versions.first_seen_date,
        current_versions.last_seen_date
    from current_versions
    left join latest_roster
        on current_versions.artist_id = latest_roster.artist_id

),

listed_only as (

    select
        latest_listing.artist_id,
        latest_listing.artist_name,
        cast(null as varchar[]) as genres,
        false as is_tracked,
        false as has_artist_details,
        latest_listing.first_seen_date as valid_from,
        cast(null as date) as valid_to,
        cast(0 as bigint) as version_count,
        latest_listing.first_seen_date,
        latest_listing.last_seen_date
    from latest_listing
    where latest_listing.artist_id not in (select artist_id from current_versions)

),

final as (

    select * from tracked_or_once_tracked
    union all
    select * from listed_only

)

select * from final
