{#- What the warehouse knew of each entity's descriptive attributes, build after build (docs:
    snapshot_audit_log): the key and the attributes of its current version. -#}

{% snapshot snap_spotify__artists %}
{{ config(unique_key='artist_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
select artist_id, artist_name, genres
from {{ ref('int_spotify__artist_versions') }}
where is_current
{% endsnapshot %}

{% snapshot snap_spotify__albums %}
{{ config(unique_key='album_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
select
    album_id, album_name, album_type, total_tracks, release_date, release_date_precision, label,
    primary_artist_id
from {{ ref('int_spotify__album_versions') }}
where is_current
{% endsnapshot %}

{% snapshot snap_spotify__tracks %}
{{ config(unique_key='track_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
select
    track_id, track_name, album_id, primary_artist_id, duration_ms, is_explicit, isrc,
    disc_number, track_number
from {{ ref('int_spotify__track_versions') }}
where is_current
{% endsnapshot %}
