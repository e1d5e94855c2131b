-- For every snapshot date D (the window's end): each tracked artist's popularity and followers
-- at the window's start (first snapshot on or after D - 7 days, before D) and at D.

with window_ends as (

    {{ movers_window_ends(
        ref('artist_popularity_daily'),
        key='artist_id',
        labels=['artist_name'],
        measures={'popularity': 'popularity', 'followers': 'followers'}
    ) }}

),

final as (

    select
        artist_id,
        window_end_date,
        window_start_date,
        artist_name,
        popularity_start,
        popularity_end,
        popularity_end - popularity_start as popularity_change,
        followers_start,
        followers_end,
        followers_end - followers_start as followers_change,
        -- Popularity decides; without it (Development Mode) followers do; else no move known.
        case
            when popularity_change > 0 then 'rising'
            when popularity_change < 0 then 'falling'
            when popularity_change = 0 then 'steady'
            when followers_change > 0 then 'rising'
            when followers_change < 0 then 'falling'
            else 'steady'
        end as direction
    from window_ends
    -- Artists tracked at both ends: an artist added to (or dropped from) the roster did not
    -- move, it was not measured.
    where is_in_start and is_in_end

)

select * from final
