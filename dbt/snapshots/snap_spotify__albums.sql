{% snapshot snap_spotify__albums %}
{#- What the warehouse knew of each album's descriptive attributes, build after build
    (docs: snapshot_audit_log). -#}
{{ config(
    unique_key='album_id',
    strategy='check',
    check_cols=['album_name', 'album_type', 'total_tracks', 'release_date', 'release_date_precision', 'label', 'primary_artist_id'],
    hard_deletes='ignore'
) }}

select
    album_id,
    album_name,
    album_type,
    total_tracks,
    release_date,
    release_date_precision,
    label,
    primary_artist_id
from {{ ref('int_spotify__album_versions') }}
where is_current

{% endsnapshot %}
