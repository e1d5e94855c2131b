{% snapshot snap_spotify__artists %}
{#- What the warehouse knew of each artist's descriptive attributes, build after build
    (docs: snapshot_audit_log). -#}
{{ config(
    unique_key='artist_id',
    strategy='check',
    check_cols=['artist_name', 'genres'],
    hard_deletes='ignore'
) }}

select
    artist_id,
    artist_name,
    genres
from {{ ref('int_spotify__artist_versions') }}
where is_current

{% endsnapshot %}
