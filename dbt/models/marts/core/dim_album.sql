{{ current_version_dimension(ref('int_spotify__album_versions')) }}
