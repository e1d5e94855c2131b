{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='track_id',
    on_schema_change='fail',
    post_hook="{{ keep_published_versions() }}",
) }}

-- SCD2 history of each track's descriptive attributes from every daily row (what it means:
-- the model's description). A NULL attribute is "not observed", so it is carried forward from
-- its last value and opens no version; a version opens when the carried-forward attributes
-- change (their hash differs from the previous observed day's), gaps between observed days
-- allowed.
-- Incremental by track: a track whose new rows all come after its last seen day continues
-- from its stored versions (each stands for the days it spans, as they carry the same
-- attributes); a track with a late, re-extracted or withdrawn day is recomputed from every
-- daily row; other tracks are not read (macro versions_to_build).

with tracks as (

    select
        track_id, snapshot_date, track_name, album_id, primary_artist_id, duration_ms,
        is_explicit, isrc, disc_number, track_number, loaded_at
    from {{ ref('stg_spotify__tracks') }}

),

days as (

    select snapshot_date from {{ ref('stg_spotify__days') }}

),

{{ versions_to_build('tracks', key='track_id') }},

carried_forward as (

    select
        track_id,
        snapshot_date,
        last_value(track_name ignore nulls) over history as track_name,
        last_value(album_id ignore nulls) over history as album_id,
        last_value(primary_artist_id ignore nulls) over history as primary_artist_id,
        last_value(duration_ms ignore nulls) over history as duration_ms,
        last_value(is_explicit ignore nulls) over history as is_explicit,
        last_value(isrc ignore nulls) over history as isrc,
        last_value(disc_number ignore nulls) over history as disc_number,
        last_value(track_number ignore nulls) over history as track_number,
        min(snapshot_date) over (partition by track_id) as first_seen_date,
        max(snapshot_date) over (partition by track_id) as last_seen_date
    from daily
    window history as (
        partition by track_id order by snapshot_date
        rows between unbounded preceding and current row
    )

),

versions as (

    -- The first day of each version: its attributes differ from the previous observed day's.
    select
        *,
        md5(cast(to_json(struct_pack(
            track_name := track_name,
            album_id := album_id,
            primary_artist_id := primary_artist_id,
            duration_ms := duration_ms,
            is_explicit := is_explicit,
            isrc := isrc,
            disc_number := disc_number,
            track_number := track_number
        )) as varchar)) as attributes_hash
    from carried_forward
    qualify attributes_hash is distinct from lag(attributes_hash) over (
        partition by track_id order by snapshot_date
    )

),

final as (

    select
        track_id,
        cast(row_number() over (partition by track_id order by snapshot_date) as integer)
            as version_number,
        track_name,
        album_id,
        primary_artist_id,
        duration_ms,
        is_explicit,
        isrc,
        disc_number,
        track_number,
        attributes_hash,
        snapshot_date as valid_from,
        lead(snapshot_date) over (partition by track_id order by snapshot_date) as valid_to,
        lead(snapshot_date) over (partition by track_id order by snapshot_date) is null
            as is_current,
        first_seen_date,
        last_seen_date,
        {{ build_started_at() }} as loaded_at
    from versions

)

select * from final
