{{ current_version_dimension(ref('int_spotify__track_versions')) }}
