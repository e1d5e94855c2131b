{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='artist_id',
    on_schema_change='fail',
    post_hook="{{ keep_published_versions() }}",
) }}

-- SCD2 history of each artist's descriptive attributes from every daily row (what it means:
-- the model's description). A NULL attribute is "not observed", so it is carried forward from
-- its last value and opens no version; a version opens when the carried-forward attributes
-- change (their hash differs from the previous observed day's), gaps between observed days
-- allowed.
-- Incremental by artist: an artist whose new rows all come after its last seen day continues
-- from its stored versions (each stands for the days it spans, as they carry the same
-- attributes); an artist with a late, re-extracted or withdrawn day is recomputed from every
-- daily row; other artists are not read (macro versions_to_build).

with artists as (

    select artist_id, snapshot_date, artist_name, genres, loaded_at
    from {{ ref('stg_spotify__artists') }}

),

days as (

    select snapshot_date from {{ ref('stg_spotify__days') }}

),

{{ versions_to_build('artists', key='artist_id') }},

carried_forward as (

    select
        artist_id,
        snapshot_date,
        last_value(artist_name ignore nulls) over history as artist_name,
        last_value(genres ignore nulls) over history as genres,
        min(snapshot_date) over (partition by artist_id) as first_seen_date,
        max(snapshot_date) over (partition by artist_id) as last_seen_date
    from daily
    window history as (
        partition by artist_id order by snapshot_date
        rows between unbounded preceding and current row
    )

),

versions as (

    -- The first day of each version: its attributes differ from the previous observed day's.
    select
        *,
        md5(cast(to_json(struct_pack(
            artist_name := artist_name,
            genres := genres
        )) as varchar)) as attributes_hash
    from carried_forward
    qualify attributes_hash is distinct from lag(attributes_hash) over (
        partition by artist_id order by snapshot_date
    )

),

final as (

    select
        artist_id,
        cast(row_number() over (partition by artist_id order by snapshot_date) as integer)
            as version_number,
        artist_name,
        genres,
        attributes_hash,
        snapshot_date as valid_from,
        lead(snapshot_date) over (partition by artist_id order by snapshot_date) as valid_to,
        lead(snapshot_date) over (partition by artist_id order by snapshot_date) is null
            as is_current,
        first_seen_date,
        last_seen_date,
        {{ build_started_at() }} as loaded_at
    from versions

)

select * from final
