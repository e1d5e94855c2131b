-- One DATA_DIR never mixes sandbox and real Spotify data: every published day and every raw
-- row loaded must come from the same data source. Fails with one row per source seen.
with sources_seen as (

    select data_source from {{ ref('stg_spotify__days') }}
    union
    select data_source from {{ ref('stg_spotify__artists') }}
    union
    select data_source from {{ ref('stg_spotify__top_tracks') }}
    union
    select data_source from {{ ref('stg_spotify__albums') }}

),

final as (

    select data_source
    from sources_seen
    where (select count(distinct data_source) from sources_seen) > 1

)

select * from final
