{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='album_id',
    on_schema_change='fail',
    post_hook="{{ keep_published_versions() }}",
) }}

-- SCD2 history of each album's descriptive attributes from every daily row (what it means:
-- the model's description). A NULL attribute is "not observed", so it is carried forward from
-- its last value and opens no version; a version opens when the carried-forward attributes
-- change (their hash differs from the previous observed day's), gaps between observed days
-- allowed.
-- Incremental by album: an album whose new rows all come after its last seen day continues
-- from its stored versions (each stands for the days it spans, as they carry the same
-- attributes); an album with a late, re-extracted or withdrawn day is recomputed from every
-- daily row; other albums are not read (macro versions_to_build).

with albums as (

    select
        album_id, snapshot_date, album_name, album_type, total_tracks, release_date,
        release_date_precision, label, primary_artist_id, loaded_at
    from {{ ref('stg_spotify__albums') }}

),

days as (

    select snapshot_date from {{ ref('stg_spotify__days') }}

),

{{ versions_to_build('albums', key='album_id') }},

carried_forward as (

    select
        album_id,
        snapshot_date,
        last_value(album_name ignore nulls) over history as album_name,
        last_value(album_type ignore nulls) over history as album_type,
        last_value(total_tracks ignore nulls) over history as total_tracks,
        last_value(release_date ignore nulls) over history as release_date,
        last_value(release_date_precision ignore nulls) over history as release_date_precision,
        last_value(label ignore nulls) over history as label,
        last_value(primary_artist_id ignore nulls) over history as primary_artist_id,
        min(snapshot_date) over (partition by album_id) as first_seen_date,
        max(snapshot_date) over (partition by album_id) as last_seen_date
    from daily
    window history as (
        partition by album_id order by snapshot_date
        rows between unbounded preceding and current row
    )

),

versions as (

    -- The first day of each version: its attributes differ from the previous observed day's.
    select
        *,
        md5(cast(to_json(struct_pack(
            album_name := album_name,
            album_type := album_type,
            total_tracks := total_tracks,
            release_date := release_date,
            release_date_precision := release_date_precision,
            label := label,
            primary_artist_id := primary_artist_id
        )) as varchar)) as attributes_hash
    from carried_forward
    qualify attributes_hash is distinct from lag(attributes_hash) over (
        partition by album_id order by snapshot_date
    )

),

final as (

    select
        album_id,
        cast(row_number() over (partition by album_id order by snapshot_date) as integer)
            as version_number,
        album_name,
        album_type,
        total_tracks,
        release_date,
        release_date_precision,
        label,
        primary_artist_id,
        attributes_hash,
        snapshot_date as valid_from,
        lead(snapshot_date) over (partition by album_id order by snapshot_date) as valid_to,
        lead(snapshot_date) over (partition by album_id order by snapshot_date) is null
            as is_current,
        first_seen_date,
        last_seen_date,
        {{ build_started_at() }} as loaded_at
    from versions

)

select * from final
