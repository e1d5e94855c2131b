{% snapshot snap_spotify__tracks %}
{#- What the warehouse knew of each track's descriptive attributes, build after build
    (docs: snapshot_audit_log). -#}
{{ config(
    unique_key='track_id',
    strategy='check',
    check_cols=['track_name', 'album_id', 'primary_artist_id', 'duration_ms', 'is_explicit', 'isrc', 'disc_number', 'track_number'],
    hard_deletes='ignore'
) }}

select
    track_id,
    track_name,
    album_id,
    primary_artist_id,
    duration_ms,
    is_explicit,
    isrc,
    disc_number,
    track_number
from {{ ref('int_spotify__track_versions') }}
where is_current

{% endsnapshot %}
