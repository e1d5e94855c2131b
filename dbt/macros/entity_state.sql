{#-
    Input of a snapshot: one row per entity, its latest known state, and the date that state
    began (state_started_at), used as the snapshot's `updated_at`.

    - Every attribute is carried forward from the last non-NULL value: a field an API call did
      not return (Development Mode, or an album only seen as a simplified object that day) is
      "not observed", not "changed to NULL", so it cannot create a false version.
    - The state's hash is compared day to day over all snapshot dates; state_started_at is the
      first date of the latest run of identical hashes. A backfill of several dates at once
      therefore gives the true start of the current state, and a rerun of a day changes nothing.
    - The var `snapshot_as_of` (YYYY-MM-DD, default null = the latest date; or the environment
      variable DBT_SNAPSHOT_AS_OF) computes the state as of that date: only rows with
      snapshot_date <= it count. warehouse.snapshot_history runs the snapshots once per new
      snapshot date with it, so every date gets its versions whatever the number of dates one
      build processes.
-#}
{#- The var snapshot_as_of, else the environment variable DBT_SNAPSHOT_AS_OF (what
    warehouse.snapshot_history sets: a changed variable keeps dbt's partial parsing), else none. -#}
{% macro snapshot_as_of() %}
    {%- set as_of = var('snapshot_as_of', none) or env_var('DBT_SNAPSHOT_AS_OF', '') or none -%}
    {%- if as_of is not none and as_of | string | trim != '' -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of | string) -%}
            {{ exceptions.raise_compiler_error(
                "snapshot_as_of (var, or DBT_SNAPSHOT_AS_OF) must be a date YYYY-MM-DD, got: " ~ as_of
            ) }}
        {%- endif -%}
        {{ return(as_of | string) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}

{% macro entity_state(relation, key, attributes) %}
{%- set as_of = snapshot_as_of() %}

with history as (

    select * from {{ relation }}
    {%- if as_of %}
    where snapshot_date <= cast('{{ as_of }}' as date)
    {%- endif %}

),

carried_forward as (

    select
        {{ key }},
        snapshot_date,
        extracted_at,
        {%- for attribute in attributes %}
        last_value({{ attribute }} ignore nulls) over (
            partition by {{ key }}
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as {{ attribute }}{{ ',' if not loop.last }}
        {%- endfor %}
    from history

),

hashed as (

    select
        *,
        md5(cast(to_json(struct_pack(
            {%- for attribute in attributes %}
            {{ attribute }} := {{ attribute }}{{ ',' if not loop.last }}
            {%- endfor %}
        )) as varchar)) as state_hash
    from carried_forward

),

change_points as (

    select
        *,
        state_hash is distinct from lag(state_hash) over (
            partition by {{ key }} order by snapshot_date
        ) as is_state_start
    from hashed

),

with_state_start as (

    select
        *,
        max(case when is_state_start then snapshot_date end) over (
            partition by {{ key }}
        ) as state_started_date,
        min(snapshot_date) over (partition by {{ key }}) as first_seen_date,
        max(snapshot_date) over (partition by {{ key }}) as last_seen_date
    from change_points

),

final as (

    select
        {{ key }},
        {%- for attribute in attributes %}
        {{ attribute }},
        {%- endfor %}
        state_hash,
        cast(state_started_date as timestamp) as state_started_at,
        first_seen_date,
        last_seen_date,
        extracted_at
    from with_state_start
    where snapshot_date = last_seen_date

)

select * from final

{% endmacro %}
