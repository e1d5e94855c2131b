{#- What the warehouse knew of each entity's descriptive attributes, build after build (docs:
    snapshot_audit_log): the key and the attributes of its current version (macro
    current_attributes). -#}

{% snapshot snap_spotify__artists %}
{{ config(unique_key='artist_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
{{ current_attributes(ref('int_spotify__artist_versions')) }}
{% endsnapshot %}

{% snapshot snap_spotify__albums %}
{{ config(unique_key='album_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
{{ current_attributes(ref('int_spotify__album_versions')) }}
{% endsnapshot %}

{% snapshot snap_spotify__tracks %}
{{ config(unique_key='track_id', strategy='check', check_cols='all', hard_deletes='ignore') }}
{{ current_attributes(ref('int_spotify__track_versions')) }}
{% endsnapshot %}
