-- The reporting layer's "track facts per date": every other track mart reads this model, so
-- the names, the attribution and the per-day rank are worked out in one place.

with facts as (

    -- The tracked artists' top tracks (or search results): a track tracked only through a
    -- playlist has no artist or rank to report here (fact_playlist_track).
    select * from {{ ref('fact_track_popularity') }}
    where ranking_source is distinct from 'playlist'

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

named as (

    select
        facts.*,
        coalesce(tracks.track_name, facts.track_id) as track_name,
        coalesce(own_artists.artist_name, facts.artist_id) as artist_name,
        coalesce(tracked_artists.artist_name, facts.tracked_artist_id) as tracked_artist_name,
        -- The tracked artist whose top tracks held the track, when it is not the track's own.
        case when facts.tracked_artist_id <> facts.artist_id then
            coalesce(tracked_artists.artist_name, facts.tracked_artist_id)
        end as via_artist_name,
        albums.album_name,
        albums.release_date,
        albums.release_date_precision,
        -- Positive: the track climbed in its tracked artist's list since the previous day.
        previous_day.top_track_rank - facts.top_track_rank as top_track_rank_change,
        round(tracks.duration_ms / 60000.0, 2) as duration_minutes,
        tracks.is_explicit
    from facts
    left join tracks
        on facts.track_id = tracks.track_id
    left join artists as own_artists
        on facts.artist_id = own_artists.artist_id
    left join artists as tracked_artists
        on facts.tracked_artist_id = tracked_artists.artist_id
    left join albums
        on facts.album_id = albums.album_id
    left join facts as previous_day
        on facts.track_id = previous_day.track_id
        and facts.snapshot_date - 1 = previous_day.snapshot_date

),

final as (

    select
        track_id,
        snapshot_date,
        date_key,
        track_name,
        artist_id,
        artist_name,
        tracked_artist_id,
        tracked_artist_name,
        via_artist_name,
        track_name || ' · ' || artist_name
        || coalesce(' (via ' || via_artist_name || ')', '') as track_label,
        album_id,
        album_name,
        release_date,
        release_date_precision,
        popularity,
        popularity_change,
        -- Always filled: ties and missing popularity (Development Mode) fall back to the
        -- rank in the artist's top tracks, then the name.
        cast(row_number() over (
            partition by snapshot_date
            order by popularity desc nulls last, top_track_rank, track_name, track_id
        ) as integer) as popularity_rank,
        top_track_rank,
        top_track_rank_change,
        duration_minutes,
        is_explicit
    from named

)

select * from final
