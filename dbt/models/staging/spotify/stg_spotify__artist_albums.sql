with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__albums') }}

),

final as (

    select
        tracked_artist_id,
        album_id,
        cast(snapshot_date as date) as snapshot_date,
        album_json.album_group as album_group,
        cast(extracted_at as timestamp) as extracted_at,
        published_at,
        loaded_at
    from source
    where source = 'artist_albums'

)

select * from final
