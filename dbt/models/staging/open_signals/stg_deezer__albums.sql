with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_deezer__albums') }}

),

final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        cast(deezer_album_id as bigint) as deezer_album_id,
        album_title,
        cast(album_json.fans as bigint) as deezer_fans,
        cast(extracted_at as timestamp) as extracted_at,
        data_source,
        published_at,
        loaded_at
    from source

)

select * from final
