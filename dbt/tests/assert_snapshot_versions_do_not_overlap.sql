-- Versions of one key follow each other in every snapshot: a version ends where the next one
-- starts, and starts before it ends.
{% set snapshots = {
    'snap_spotify__artists': 'artist_id',
    'snap_spotify__albums': 'album_id',
    'snap_spotify__tracks': 'track_id',
} %}
with versions as (

    {%- for name, key in snapshots.items() %}
    select
        '{{ name }}' as snapshot_name,
        {{ key }} as entity_id,
        dbt_valid_from,
        dbt_valid_to,
        lead(dbt_valid_from) over (partition by {{ key }} order by dbt_valid_from) as next_valid_from
    from {{ ref(name) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select *
    from versions
    where (next_valid_from is not null and dbt_valid_to is distinct from next_valid_from)
        or dbt_valid_to <= dbt_valid_from

)

select * from final
