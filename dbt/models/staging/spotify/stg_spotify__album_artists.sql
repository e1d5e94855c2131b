with albums as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__albums') }}

),

credits as (

    -- One row per artist of each album object: unnest and generate_subscripts in one select
    -- pair each artist with its position (1: the primary). A lateral `unnest ... with
    -- ordinality` gave the same rows a hundred times slower.
    select
        *,
        unnest(album_json.artists) as artist,
        generate_subscripts(album_json.artists, 1) as artist_position
    from albums

),

listed as (

    select
        album_id,
        artist.id as artist_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(artist_position as integer) as artist_position,
        artist.name as artist_name,
        artist_position = 1 as is_primary_artist,
        cast(extracted_at as timestamp) as extracted_at,
        published_at,
        loaded_at
    from credits

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
