-- Incremental (dbt_project.yml): a row depends on its own day only, so only the days
-- published (again) since the last build are built.

with playlist_tracks as (

    select * from {{ ref('stg_spotify__playlist_tracks') }}

),

dates_to_build as (

    select snapshot_date from (
        select snapshot_date, published_at from {{ ref('stg_spotify__days') }}
        {%- if is_incremental() %}
        except
        select snapshot_date, published_at from {{ this }}
        {%- endif %}
    )

),

final as (

    select
        playlist_id,
        snapshot_date,
        position,
        cast(strftime(snapshot_date, '%Y%m%d') as integer) as date_key,
        track_id,
        added_at,
        extracted_at,
        published_at
    from playlist_tracks
    where snapshot_date in (select snapshot_date from dates_to_build)

)

select * from final
