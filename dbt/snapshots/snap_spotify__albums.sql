{% snapshot snap_spotify__albums %}
{#- What the warehouse knew of each album's descriptive attributes, build after build
    (docs: snapshot_audit_log): the key and the attributes of its current version. -#}
{{ config(unique_key='album_id', strategy='check', check_cols='all', hard_deletes='ignore') }}

select * exclude (
    version_number, attributes_hash, valid_from, valid_to, is_current, first_seen_date,
    last_seen_date
)
from {{ ref('int_spotify__album_versions') }}
where is_current

{% endsnapshot %}
