{#- The fields of a Spotify track object the warehouse reads (macro published_rows'
    parse_json), one definition for the top tracks and the playlist tracks, whose parsed objects
    stg_spotify__tracks and stg_spotify__track_artists union. -#}
{% macro spotify_track_fields() %}
    {{ return({
        'name': 'VARCHAR',
        'popularity': 'VARCHAR',
        'duration_ms': 'VARCHAR',
        'explicit': 'VARCHAR',
        'disc_number': 'VARCHAR',
        'track_number': 'VARCHAR',
        'uri': 'VARCHAR',
        'album': {'id': 'VARCHAR'},
        'artists': [{'id': 'VARCHAR', 'name': 'VARCHAR'}],
        'external_ids': {'isrc': 'VARCHAR'},
    }) }}
{% endmacro %}
