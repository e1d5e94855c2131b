with facts as (

    select * from {{ ref('fact_track_popularity') }}

),

tracks as (

    select * from {{ ref('dim_track') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

albums as (

    select * from {{ ref('dim_album') }}

),

latest_facts as (

    select * from facts
    where snapshot_date = (select max(snapshot_date) from facts)

),

joined as (

    select
        latest_facts.track_id,
        tracks.track_name,
        artists.artist_name,
        albums.album_name,
        latest_facts.popularity,
        latest_facts.top_track_rank,
        round(tracks.duration_ms / 60000.0, 2) as duration_minutes,
        latest_facts.snapshot_date
    from latest_facts
    left join tracks
        on latest_facts.track_id = tracks.track_id
    left join artists
        on latest_facts.artist_id = artists.artist_id
    left join albums
        on latest_facts.album_id = albums.album_id

),

final as (

    select
        track_id,
        track_name,
        artist_name,
        album_name,
        popularity,
        -- Always filled: ties and missing popularity (Development Mode) fall back to the
        -- rank in the artist's top tracks, then the name.
        cast(row_number() over (
            order by popularity desc nulls last, top_track_rank, track_name, track_id
        ) as integer) as popularity_rank,
        top_track_rank,
        duration_minutes,
        snapshot_date
    from joined

)

select * from final
