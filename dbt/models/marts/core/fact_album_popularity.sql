-- Incremental (dbt_project.yml): only the days whose inputs changed are built (macro's doc).
-- Only full album objects carry popularity (simplified discography entries do not).
{{ entity_daily_fact(
    '(select * from ' ~ ref('stg_spotify__albums') ~ ' where has_full_details)',
    key='album_id',
    measures={'popularity': 'popularity'}
) }}
