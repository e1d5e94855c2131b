{{ attribute_versions(
    relation=ref('stg_spotify__albums'),
    key='album_id',
    attributes=[
        'album_name', 'album_type', 'total_tracks', 'release_date', 'release_date_precision',
        'label', 'primary_artist_id'
    ]
) }}
