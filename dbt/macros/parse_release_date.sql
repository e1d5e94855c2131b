{#-
    Spotify gives release_date at the precision release_date_precision: 'YYYY' (year),
    'YYYY-MM' (month) or 'YYYY-MM-DD' (day). Turn it into the first day of the period; when the
    precision is missing, infer it from the string's length. Unparseable values give NULL
    (and year 0000, Spotify's unknown date), never a failed build.
-#}
{% macro release_date_precision(date_column, precision_column) -%}
    coalesce(
        {{ precision_column }},
        case length({{ date_column }})
            when 4 then 'year'
            when 7 then 'month'
            when 10 then 'day'
        end
    )
{%- endmacro %}

{% macro parse_release_date(date_column, precision_column) -%}
    case
        -- Spotify writes year 0000 for an unknown date.
        when left({{ date_column }}, 4) = '0000' then null
        else case {{ release_date_precision(date_column, precision_column) }}
        when 'year' then try_cast({{ date_column }} || '-01-01' as date)
        when 'month' then try_cast({{ date_column }} || '-01' as date)
        when 'day' then try_cast({{ date_column }} as date)
        end
    end
{%- endmacro %}
