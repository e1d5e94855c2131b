with source as (

    -- The published days this table does not hold yet (see the base model).
    select * from {{ ref('base_spotify__albums') }}

),

typed as (

    select
        * replace (
            cast(snapshot_date as date) as snapshot_date,
            cast(extracted_at as timestamp) as extracted_at
        ),
        album_json.release_date as release_date_raw,
        album_json.release_date_precision as release_date_precision_raw
    from source

),

final as (

    -- An album appears once per tracked artist listing it plus once as a full object: keep
    -- the full object (label, popularity) when there is one.
    select
        album_id,
        snapshot_date,
        coalesce(album_json.name, album_name) as album_name,
        album_json.album_type as album_type,
        cast(album_json.total_tracks as integer) as total_tracks,
        {{ parse_release_date('release_date_raw', 'release_date_precision_raw') }} as release_date,
        {{ release_date_precision('release_date_raw', 'release_date_precision_raw') }}
            as release_date_precision,
        release_date_raw,
        album_json.label as label,
        cast(album_json.popularity as integer) as popularity,
        album_json.artists[1].id as primary_artist_id,
        album_json.uri as spotify_uri,
        source = 'album' as has_full_details,
        extracted_at,
        data_source,
        access_tier,
        published_at,
        loaded_at
    from typed
    qualify row_number() over (
        partition by album_id, snapshot_date
        order by has_full_details desc, extracted_at desc, filename desc
    ) = 1

)

select * from final
