{#-
    Staging tests check what is new (dbt_project.yml gives them `where: loaded_by_this_build`):
    the rows this build loaded, so a daily build tests one day, not the whole history. Every
    staging row records the build that loaded it (`loaded_at`, the build's start); a full
    build (first run, --full-refresh) loads, hence tests, every row, and so does `dbt test`
    run on its own (it loads nothing: every row is checked).
-#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#- dbt's own macro, with the `loaded_by_this_build` filter above (a `where` config cannot call
    a project macro itself). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == 'loaded_by_this_build' -%}
        {%- set where = 'loaded_at = ' ~ build_started_at() if flags.WHICH == 'build' else '' -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery' if where else relation) -%}
{%- endmacro %}
