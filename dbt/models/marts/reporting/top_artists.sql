with artists as (

    select * from {{ ref('dim_artist') }}

),

facts as (

    select * from {{ ref('fact_track_popularity') }}

),

artist_facts as (

    select * from {{ ref('fact_artist_popularity') }}

),

latest_artist_facts as (

    select * from artist_facts
    where snapshot_date = (select max(snapshot_date) from artist_facts)

),

latest_facts as (

    select * from facts
    where snapshot_date = (select max(snapshot_date) from facts)

),

track_counts as (

    select
        tracked_artist_id as artist_id,
        count(distinct track_id) as tracked_track_count
    from latest_facts
    group by tracked_artist_id

),

tracked_artists as (

    select
        artists.artist_id,
        artists.artist_name,
        latest_artist_facts.popularity,
        latest_artist_facts.followers,
        coalesce(track_counts.tracked_track_count, 0) as tracked_track_count
    from artists
    left join track_counts
        on artists.artist_id = track_counts.artist_id
    left join latest_artist_facts
        on artists.artist_id = latest_artist_facts.artist_id
    where artists.is_tracked

),

final as (

    select
        artist_id,
        artist_name,
        popularity,
        followers,
        -- Always filled: without popularity (Development Mode) the order falls back to
        -- followers, then the number of tracked tracks, then the name.
        cast(row_number() over (
            order by popularity desc nulls last, followers desc nulls last,
                tracked_track_count desc, artist_name, artist_id
        ) as integer) as popularity_rank,
        tracked_track_count,
        round(
            tracked_track_count / nullif(sum(tracked_track_count) over (), 0), 4
        ) as share_of_tracked_tracks,
        (select max(snapshot_date) from latest_facts) as snapshot_date
    from tracked_artists

)

select * from final
