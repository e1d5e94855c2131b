-- Incremental (dbt_project.yml): only the days whose inputs changed are built (macro's doc).
{{ entity_daily_fact(
    ref('stg_spotify__artists'),
    key='artist_id',
    measures={'popularity': 'popularity', 'followers': 'follower_count'}
) }}
