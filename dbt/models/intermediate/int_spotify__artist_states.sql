{{ entity_state(
    relation=ref('stg_spotify__artists'),
    key='artist_id',
    attributes=['artist_name', 'popularity', 'follower_count', 'genres']
) }}
