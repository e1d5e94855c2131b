{{ attribute_versions(
    relation=ref('stg_spotify__artists'),
    key='artist_id',
    attributes=['artist_name', 'genres']
) }}
