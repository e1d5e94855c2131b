-- The reporting layer's "artist facts per date": each tracked artist's popularity and
-- followers day by day with their day-over-day changes, and the artist's top-track slots that
-- day. top_artists and artist_insights read it.

with facts as (

    select * from {{ ref('fact_artist_popularity') }}

),

artists as (

    select * from {{ ref('dim_artist') }}

),

tracks as (

    select * from {{ ref('int_top_tracks_ranked') }}

),

slots as (

    -- The top-track slots each tracked artist holds that day (a track counts once, for the
    -- tracked artist ranking it highest: the fact's attribution).
    select
        tracked_artist_id as artist_id,
        snapshot_date,
        count(*) as top_track_count,
        cast(sum(popularity) as bigint) as top_track_popularity
    from tracks
    group by tracked_artist_id, snapshot_date

),

final as (

    select
        facts.artist_id,
        facts.snapshot_date,
        facts.date_key,
        coalesce(artists.artist_name, facts.artist_id) as artist_name,
        facts.popularity,
        facts.followers,
        facts.popularity_change,
        facts.followers_change,
        coalesce(slots.top_track_count, 0) as top_track_count,
        slots.top_track_popularity
    from facts
    left join artists
        on facts.artist_id = artists.artist_id
    left join slots
        on facts.artist_id = slots.artist_id
        and facts.snapshot_date = slots.snapshot_date

)

select * from final
