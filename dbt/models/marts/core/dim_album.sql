with current_versions as (

    select * from {{ ref('int_spotify__album_versions') }}
    where is_current

),

final as (

    select
        * exclude (version_number, attributes_hash, is_current),
        cast(version_number as bigint) as version_count
    from current_versions

)

select * from final
