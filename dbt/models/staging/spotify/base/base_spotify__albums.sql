{{ config(materialized='table') }}

-- The only reader of raw/albums/: the rows of the published days a model built from this one
-- does not hold yet (macro published_rows; why only those: the base models' doc).
-- album_json: the album object's fields the warehouse reads, parsed once (macro published_rows).
{{ published_rows('albums', parse_json={'album_json': {
    'name': 'VARCHAR',
    'album_type': 'VARCHAR',
    'album_group': 'VARCHAR',
    'total_tracks': 'VARCHAR',
    'release_date': 'VARCHAR',
    'release_date_precision': 'VARCHAR',
    'label': 'VARCHAR',
    'popularity': 'VARCHAR',
    'uri': 'VARCHAR',
    'artists': [{'id': 'VARCHAR', 'name': 'VARCHAR'}],
}}) }}
