-- Incremental: delete+insert on snapshot_date (configured in dbt_project.yml).

with rankings as (

    select * from {{ ref('stg_spotify__top_tracks') }}

),

tracks as (

    select * from {{ ref('stg_spotify__tracks') }}

),

available_dates as (

    select snapshot_date, max(extracted_at) as extracted_at
    from rankings
    group by snapshot_date

),

{% if is_incremental() %}

loaded_dates as (

    select snapshot_date, max(extracted_at) as extracted_at
    from {{ this }}
    group by snapshot_date

),

dates_to_load as (

    -- New dates, dates extracted again since they were loaded, and dates asked for.
    select available_dates.snapshot_date
    from available_dates
    left join loaded_dates
        on available_dates.snapshot_date = loaded_dates.snapshot_date
    where loaded_dates.snapshot_date is null
        or available_dates.extracted_at > loaded_dates.extracted_at
        {%- for reload_date in var('reload_dates', []) %}
        or available_dates.snapshot_date = cast('{{ reload_date }}' as date)
        {%- endfor %}

),

{% else %}

dates_to_load as (

    select snapshot_date from available_dates

),

{% endif %}

best_rankings as (

    -- A track in the top tracks of two tracked artists counts once: for the artist ranking
    -- it highest (then the smaller artist id, to stay deterministic).
    select rankings.*
    from rankings
    where rankings.snapshot_date in (select snapshot_date from dates_to_load)
    qualify row_number() over (
        partition by rankings.track_id, rankings.snapshot_date
        order by rankings.top_track_rank, rankings.tracked_artist_id
    ) = 1

),

previous_day as (

    -- Read from staging, not from this table: right whether the previous day was loaded in
    -- this run, an earlier one, or is a top track only since today.
    select
        track_id,
        snapshot_date + 1 as next_snapshot_date,
        popularity as previous_popularity
    from tracks
    where snapshot_date + 1 in (select snapshot_date from dates_to_load)

),

joined as (

    select
        best_rankings.track_id,
        best_rankings.snapshot_date,
        tracks.album_id,
        tracks.primary_artist_id as artist_id,
        best_rankings.tracked_artist_id,
        tracks.popularity,
        tracks.popularity - previous_day.previous_popularity as popularity_change,
        best_rankings.top_track_rank,
        best_rankings.ranking_source,
        available_dates.extracted_at
    from best_rankings
    inner join tracks
        on best_rankings.track_id = tracks.track_id
        and best_rankings.snapshot_date = tracks.snapshot_date
    inner join available_dates
        on best_rankings.snapshot_date = available_dates.snapshot_date
    left join previous_day
        on best_rankings.track_id = previous_day.track_id
        and best_rankings.snapshot_date = previous_day.next_snapshot_date

),

final as (

    select
        track_id,
        snapshot_date,
        cast(strftime(snapshot_date, '%Y%m%d') as integer) as date_key,
        album_id,
        artist_id,
        tracked_artist_id,
        popularity,
        popularity_change,
        top_track_rank,
        ranking_source,
        extracted_at
    from joined

)

select * from final
