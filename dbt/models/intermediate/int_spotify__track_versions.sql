{{ attribute_versions(
    relation=ref('stg_spotify__tracks'),
    key='track_id',
    attributes=[
        'track_name', 'album_id', 'primary_artist_id', 'duration_ms', 'is_explicit', 'isrc',
        'disc_number', 'track_number'
    ]
) }}
