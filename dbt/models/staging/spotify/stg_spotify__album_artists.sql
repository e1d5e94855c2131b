with albums as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__albums') }}

),

listed as (

    -- One row per artist of each album object, in credit order (position 1: the primary).
    select
        albums.album_id,
        credited.artist.id as artist_id,
        cast(albums.snapshot_date as date) as snapshot_date,
        cast(credited.artist_position as integer) as artist_position,
        credited.artist.name as artist_name,
        credited.artist_position = 1 as is_primary_artist,
        cast(albums.extracted_at as timestamp) as extracted_at,
        albums.published_at,
        albums.loaded_at
    from albums,
        unnest(albums.album_json.artists) with ordinality as credited(artist, artist_position)

),

final as (

    -- An album read more than once a day (once per tracked artist listing it, once as a full
    -- object) keeps its latest read.
    select *
    from listed
    qualify row_number() over (
        partition by album_id, artist_id, snapshot_date
        order by extracted_at desc, artist_position
    ) = 1

)

select * from final
