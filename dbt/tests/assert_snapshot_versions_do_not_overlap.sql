-- Versions of one key follow each other: a version ends where the next one starts.
with versions as (

    select
        'snap_spotify__tracks' as snapshot_name,
        track_id as entity_id,
        dbt_valid_from,
        dbt_valid_to,
        lead(dbt_valid_from) over (partition by track_id order by dbt_valid_from) as next_valid_from
    from {{ ref('snap_spotify__tracks') }}

),

final as (

    select *
    from versions
    where next_valid_from is not null
      and dbt_valid_to is distinct from next_valid_from

)

select * from final
