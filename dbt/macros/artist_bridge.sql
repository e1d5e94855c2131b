{#-
    A bridge to the artists (stg_spotify__album_artists, stg_spotify__track_artists): one row
    per object (`key`), listed artist and snapshot date, from the artist list of each object's
    `json_column` in `objects` (published rows), in credit order (position 1: the primary
    artist). An object read more than once a day keeps its latest read, after `preferred` (an
    expression over `objects`, smallest first).
-#}
{% macro artist_bridge(objects, key, json_column, preferred='0') %}
with source as (

    {{ objects }}

),

listed as (

    select
        source.{{ key }},
        json_extract_string(artist.value, '$.id') as artist_id,
        cast(source.snapshot_date as date) as snapshot_date,
        cast(artist.key as integer) + 1 as artist_position,
        json_extract_string(artist.value, '$.name') as artist_name,
        cast(artist.key as integer) = 0 as is_primary_artist,
        cast(source.extracted_at as timestamp) as extracted_at,
        source.published_at,
        source.loaded_at,
        {{ preferred }} as preference
    from source, json_each(source.{{ json_column }}, '$.artists') as artist

),

final as (

    select * exclude (preference)
    from listed
    qualify row_number() over (
        partition by {{ key }}, artist_id, snapshot_date
        order by preference, extracted_at desc, artist_position
    ) = 1

)

select * from final
{% endmacro %}
