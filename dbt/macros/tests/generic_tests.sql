{#- Project generic tests (no dbt hub packages offline: dbt_utils-like tests written here). -#}

{% test popularity_in_range(model, column_name, min_value=0, max_value=100) %}
    {#- Spotify popularity is 0..100; NULL (Development Mode) is allowed. -#}
    select {{ column_name }} as invalid_popularity, *
    from {{ model }}
    where {{ column_name }} is not null
      and ({{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }})
{% endtest %}

{% test valid_spotify_id(model, column_name) %}
    {#- A Spotify id is 22 base-62 characters. -#}
    select {{ column_name }} as invalid_spotify_id, *
    from {{ model }}
    where {{ column_name }} is not null
      and not regexp_full_match({{ column_name }}, '[0-9A-Za-z]{22}')
{% endtest %}

{% test not_in_future(model, column_name, tolerance_days=1) %}
    {#- A date (or timestamp) later than today (UTC) plus a tolerance for time zones. -#}
    select {{ column_name }} as future_value, *
    from {{ model }}
    where cast({{ column_name }} as date)
        > cast(current_date as date) + {{ tolerance_days }}
{% endtest %}

{% test unique_combination_of_columns(model, combination_of_columns) %}
    {#- The columns together identify a row (the model's grain). -#}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
