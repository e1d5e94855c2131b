{#-
    SCD2 history of an entity's descriptive attributes, computed from every daily row of its
    staging model, so it is a function of the raw days only (whatever order they arrived in).

    - Each attribute is carried forward from its last non-NULL value: a field an API call did
      not return (Development Mode, or an album only seen as a simplified object that day) is
      "not observed", not "changed to NULL", so it opens no version.
    - A version is a run of consecutive observed days (in date order, gaps allowed) with the
      same attributes; it opens only when one of them changes. valid_from is its first day,
      valid_to the next version's valid_from (NULL for the current version).
    - One row per version: key, version_number (1..), the attributes, attributes_hash,
      valid_from, valid_to, is_current, and the entity's first_seen_date / last_seen_date.
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
