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
    {%- elif where == 'days_loaded_by_this_build' -%}
        {%- set where = days_loaded_by_this_build(relation) -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery' if where else relation) -%}
{%- endmacro %}


{#- Tests of the incremental models built from the days (and of the views over them; dbt_project.yml
    gives them `where: days_loaded_by_this_build`): the rows of the days this build loaded
    (a Spotify or open-signal day published or extracted again, whose files this build checked:
    stg_spotify__raw_files, incremental, keeps each check's loaded_at) and of the 7 days
    after each, the rows such a day can change (a daily row reads the day before; a 7-day
    window, its two ends). The other rows were tested by the build that wrote them and no build
    since rewrote them, so a daily build tests a few days, not the history. Models with neither
    `snapshot_date` nor `window_end_date`, or rebuilt whole every time (tables: their every row
    is new), are tested whole, and so is every model in `dbt test` and `dbt build
    --full-refresh`. A model added to an existing warehouse is built whole and tested on those
    days only: run `dbt test -s <model>` once. -#}
{% macro days_loaded_by_this_build(relation) -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('alias', 'equalto', relation.identifier) | first -%}
    {%- if node is not defined or node.config.materialized not in ('incremental', 'view') -%}
        {%- do return('') -%}
    {%- endif -%}
    {#- The model's documented columns (every model documents its own; an undocumented day
        column only means the model is tested whole): no query per test. -#}
    {%- set day = 'window_end_date' if 'window_end_date' in node.columns
        else ('snapshot_date' if 'snapshot_date' in node.columns else none) -%}
    {%- if day is none -%}
        {%- do return('') -%}
    {%- endif -%}
    {#- Each publication's files are checked once, by the build that loads the day. -#}
    {%- set checked = relation_of('stg_spotify__raw_files') -%}
    {%- if checked is none -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set loaded -%}
        select distinct snapshot_date from {{ checked }}
        where loaded_at = {{ build_started_at() }}
    {%- endset -%}
    {%- do return(day ~ ' in (select loaded.snapshot_date + cast(after.range as integer)'
        ~ ' from (' ~ loaded ~ ') as loaded cross join range(8) as after)') -%}
{%- endmacro %}
