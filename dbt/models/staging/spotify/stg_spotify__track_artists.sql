with top_tracks as (

    -- The published days this table does not hold yet (see the base models).
    select * from {{ ref('base_spotify__top_tracks') }}

),

playlist_tracks as (

    select * from {{ ref('base_spotify__playlist_tracks') }}

),

track_objects as (

    -- A playlist track is described like a top track: source_order 0 (top tracks) before 1
    -- (playlists) when a track is in both on a day.
    select track_id, snapshot_date, extracted_at, track_json, published_at, loaded_at,
        0 as source_order
    from top_tracks
    union all
    select track_id, snapshot_date, extracted_at, track_json, published_at, loaded_at,
        1 as source_order
    from playlist_tracks

),

credits as (

    -- One row per artist of each track object: unnest and generate_subscripts in one select
    -- pair each artist with its position (1: the primary). A lateral `unnest ... with
    -- ordinality` gave the same rows a hundred times slower.
    select
        *,
        unnest(track_json.artists) as artist,
        generate_subscripts(track_json.artists, 1) as artist_position
    from track_objects

),

listed as (

    select
        track_id,
        artist.id as artist_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(artist_position as integer) as artist_position,
        artist.name as artist_name,
        artist_position = 1 as is_primary_artist,
        cast(extracted_at as timestamp) as extracted_at,
        published_at,
        loaded_at,
        source_order
    from credits

),

final as (

    -- A track read more than once a day keeps its latest read, the top tracks' first.
    select * exclude (source_order)
    from listed
    qualify row_number() over (
        partition by track_id, artist_id, snapshot_date
        order by source_order, extracted_at desc, artist_position
    ) = 1

)

select * from final
