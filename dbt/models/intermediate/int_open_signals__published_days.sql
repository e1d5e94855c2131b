-- Each day with its publications, Spotify's and each open-signal source's, written as one
-- string `deezer@<published_at>;lastfm@<published_at>;spotify@<published_at>`: the inputs of
-- an open-signal model's day (macro dates_to_build). A source day published late, a day
-- extracted again or a source day still missing each change it, whatever the publication
-- times and whatever order the days and sources arrive in. A few rows a day: rebuilt on
-- every build.

with spotify_days as (

    select snapshot_date, 'spotify' as source, published_at from {{ ref('stg_spotify__days') }}

),

open_signal_days as (

    select snapshot_date, source, published_at from {{ ref('stg_open_signals__days') }}

),

publications as (

    select * from spotify_days
    union all
    select * from open_signal_days

),

final as (

    select
        snapshot_date,
        string_agg(
            source || '@' || strftime(published_at, '%Y-%m-%dT%H:%M:%S.%f'), ';' order by source
        ) as published_inputs
    from publications
    group by snapshot_date

)

select * from final
