{#-
    SCD2 history of an entity's descriptive attributes from every daily row of `relation`
    (what it means: the int_spotify__*_versions description). A NULL attribute is "not
    observed", so it is carried forward from its last value and opens no version; a version
    opens when the carried-forward attributes change (their hash differs from the previous
    observed day's), gaps between observed days allowed.
-#}
{% macro attribute_versions(relation, key, attributes) %}

with carried_forward as (

    select
        {{ key }},
        snapshot_date,
        {%- for attribute in attributes %}
        last_value({{ attribute }} ignore nulls) over (
            partition by {{ key }} order by snapshot_date
            rows between unbounded preceding and current row
        ) as {{ attribute }},
        {%- endfor %}
        min(snapshot_date) over (partition by {{ key }}) as first_seen_date,
        max(snapshot_date) over (partition by {{ key }}) as last_seen_date
    from {{ relation }}

),

versions as (

    -- The first day of each version: its attributes differ from the previous observed day's.
    select
        *,
        md5(cast(to_json(struct_pack(
            {%- for attribute in attributes %}
            {{ attribute }} := {{ attribute }}{{ ',' if not loop.last }}
            {%- endfor %}
        )) as varchar)) as attributes_hash
    from carried_forward
    qualify attributes_hash is distinct from lag(attributes_hash) over (
        partition by {{ key }} order by snapshot_date
    )

),

final as (

    select
        {{ key }},
        cast(row_number() over (partition by {{ key }} order by snapshot_date) as integer)
            as version_number,
        {%- for attribute in attributes %}
        {{ attribute }},
        {%- endfor %}
        attributes_hash,
        snapshot_date as valid_from,
        lead(snapshot_date) over (partition by {{ key }} order by snapshot_date) as valid_to,
        lead(snapshot_date) over (partition by {{ key }} order by snapshot_date) is null
            as is_current,
        first_seen_date,
        last_seen_date
    from versions

)

select * from final

{% endmacro %}


{#- The key and the descriptive attributes of each entity's current version in `versions` (an
    int_spotify__*_versions model), without the version's bookkeeping: what the snapshots
    record. -#}
{% macro current_attributes(versions) %}
select * exclude (
    version_number, attributes_hash, valid_from, valid_to, is_current, first_seen_date,
    last_seen_date
)
from {{ versions }}
where is_current
{% endmacro %}


{#- A current-state dimension (dim_album, dim_track): each entity's current version in
    `versions` (an int_spotify__*_versions model) and how many versions it had. -#}
{% macro current_version_dimension(versions) %}
with current_versions as (

    select * from {{ versions }}
    where is_current

),

final as (

    select
        * exclude (version_number, attributes_hash, is_current),
        cast(version_number as bigint) as version_count
    from current_versions

)

select * from final
{% endmacro %}
