with source as (

    -- The track objects of the published days this table does not hold yet (macro's doc).
    {{ published_track_objects() }}

),

track_artists as (

    select
        source.track_id,
        json_extract_string(artist.value, '$.id') as artist_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(artist.key as integer) = 0 as is_primary_artist,
        cast(source.extracted_at as timestamp) as extracted_at,
        source.published_at,
        source.loaded_at,
        source.source_order
    from source, json_each(source.track_json, '$.artists') as artist

),

final as (

    select * exclude (source_order)
    from track_artists
    qualify row_number() over (
        partition by track_id, artist_id, snapshot_date
        order by source_order, extracted_at desc, artist_position
    ) = 1

)

select * from final
