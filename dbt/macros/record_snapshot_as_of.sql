{#-
    The date each snapshot was last computed as of, in the table snapshot_as_of_dates (one row
    per snapshot), read by warehouse.snapshot_history to find the snapshot dates no snapshot has
    seen yet (snapshotted one by one before the next build).

    - create_snapshot_as_of_dates (on-run-start of build and snapshot) creates the table, once,
      before the snapshots run in parallel threads.
    - record_snapshot_as_of (post-hook of every snapshot, run only when the snapshot succeeded)
      records the latest last_seen_date of its int_spotify__*_states input: the var
      snapshot_as_of, or the latest raw date.
-#}
{% macro snapshot_as_of_dates_relation() %}
    {{- return(adapter.quote(target.schema) ~ '.snapshot_as_of_dates') -}}
{% endmacro %}

{% macro create_snapshot_as_of_dates() %}
{%- if flags.WHICH in ('build', 'snapshot') %}
create table if not exists {{ snapshot_as_of_dates_relation() }} (
    snapshot_name varchar primary key,
    as_of_date date,
    recorded_at timestamp
)
{%- else %}
select 1
{%- endif %}
{% endmacro %}

{% macro record_snapshot_as_of() %}
{%- if execute %}
{%- set parents = [] %}
{%- for unique_id in model.depends_on.nodes if unique_id.startswith('model.') %}
    {%- do parents.append(graph.nodes[unique_id]) %}
{%- endfor %}
{%- set states = parents[0] %}
insert or replace into {{ snapshot_as_of_dates_relation() }}
select
    '{{ this.identifier }}' as snapshot_name,
    max(last_seen_date) as as_of_date,
    current_timestamp as recorded_at
from {{ adapter.quote(states.schema) }}.{{ adapter.quote(states.alias) }}
{%- endif %}
{% endmacro %}
