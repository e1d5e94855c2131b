{#-
    The incremental idiom of the attribute-version models (docs block versions_incremental),
    their counterpart of dates_to_build: CTE `daily`, the daily rows the versions are computed
    from. `rows` is a CTE of the entity's staging rows (`key`, snapshot_date, the attributes,
    loaded_at), `days` one of the published days. A full build takes every row. An incremental
    one takes every row of the keys to recompute (a new row on or before their last seen day,
    a version starting or ending on a day withdrawn or loaded again, or new keys) and, for the
    keys whose new rows all come after their last seen day, their stored versions, each as the
    day it starts (the days a version spans carry its attributes), beside those new rows.
-#}
{% macro versions_to_build(rows, key, days='days') %}
{%- if is_incremental() %}
stored as (

    select * from {{ this }}

),

new_rows as (

    -- The staging rows loaded since this table was last built.
    select * from {{ rows }}
    where loaded_at > (select coalesce(max(loaded_at), '-infinity') from stored)

),

recomputed as (

    select new_rows.{{ key }} from new_rows
    left join stored
        on new_rows.{{ key }} = stored.{{ key }}
        and stored.is_current
    where stored.{{ key }} is null or new_rows.snapshot_date <= stored.last_seen_date
    union
    select {{ key }} from stored
    where valid_from not in (select snapshot_date from {{ days }})
        or last_seen_date not in (select snapshot_date from {{ days }})
        or valid_from in (select snapshot_date from new_rows)
        or last_seen_date in (select snapshot_date from new_rows)

),

continued as (

    select distinct {{ key }} from new_rows
    where {{ key }} not in (select {{ key }} from recomputed)

),

daily as (

    select * exclude (loaded_at) from {{ rows }}
    where {{ key }} in (select {{ key }} from recomputed)
    union all by name
    select
        * exclude (
            version_number, attributes_hash, valid_from, valid_to, is_current,
            first_seen_date, last_seen_date, loaded_at
        ),
        valid_from as snapshot_date
    from stored
    where {{ key }} in (select {{ key }} from continued)
    union all by name
    select * exclude (loaded_at) from new_rows
    where {{ key }} in (select {{ key }} from continued)

)
{%- else %}
daily as (

    select * exclude (loaded_at) from {{ rows }}

)
{%- endif %}
{% endmacro %}


{#- post-hook of the attribute-version models (macro versions_to_build): drop the versions of
    an entity whose every day was withdrawn. Any other entity whose versions start or end on a
    withdrawn day was recomputed by the build, so after it every version starts and ends on a
    published day. -#}
{% macro keep_published_versions() %}
    {%- if not execute -%}
    select 1
    {%- else -%}
    {%- set days = relation_of('stg_spotify__days') -%}
    delete from {{ this }}
    where valid_from not in (select snapshot_date from {{ days }})
        or last_seen_date not in (select snapshot_date from {{ days }})
    {%- endif -%}
{% endmacro %}
