-- For every snapshot date D (the window's end): each tracked artist's popularity and followers
-- at the window's start (first snapshot on or after D - 7 days, before D) and at D.

with artist_days as (

    select * from {{ ref('artist_popularity_daily') }}

),

windows as (

    select * from {{ ref('movers_windows_7d') }}

),

start_rows as (

    select windows.window_start_date, windows.window_end_date, artist_days.*
    from windows
    inner join artist_days
        on windows.window_start_date = artist_days.snapshot_date

),

end_rows as (

    select windows.window_start_date, windows.window_end_date, artist_days.*
    from windows
    inner join artist_days
        on windows.window_end_date = artist_days.snapshot_date

),

compared as (

    -- Artists tracked at both ends: an artist added to (or dropped from) the roster did not
    -- move, it was not measured.
    select
        end_rows.artist_id,
        end_rows.window_end_date,
        end_rows.window_start_date,
        end_rows.artist_name,
        start_rows.popularity as popularity_start,
        end_rows.popularity as popularity_end,
        end_rows.popularity - start_rows.popularity as popularity_change,
        start_rows.followers as followers_start,
        end_rows.followers as followers_end,
        end_rows.followers - start_rows.followers as followers_change
    from end_rows
    inner join start_rows
        on end_rows.window_end_date = start_rows.window_end_date
        and end_rows.artist_id = start_rows.artist_id

),

final as (

    select
        *,
        -- Popularity decides; without it (Development Mode) followers do; else no move known.
        case
            when popularity_change > 0 then 'rising'
            when popularity_change < 0 then 'falling'
            when popularity_change = 0 then 'steady'
            when followers_change > 0 then 'rising'
            when followers_change < 0 then 'falling'
            else 'steady'
        end as direction
    from compared

)

select * from final
