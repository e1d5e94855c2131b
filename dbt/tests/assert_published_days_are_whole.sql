{#- Every published day is whole (docs/interfaces.md section 2): one line per file that is not,
    naming the day, the file and what is wrong. Such a day is left out of every model (no row of
    it anywhere) while the others load; extracting it again publishes a new version. -#}
{{ config(severity='error') }}
{%- set problems = ref('stg_spotify__raw_file_problems') -%}
{%- if execute and load_relation(problems) is not none -%}
    {%- for row in run_query('select * from ' ~ problems ~ ' order by all').rows -%}
        {%- do log(
            "Published day " ~ row['snapshot_date'] ~ " is not whole and was not loaded: "
            ~ row['path'] ~ " " ~ row['problem'] ~ ". Extract " ~ row['snapshot_date']
            ~ " again (python -m ingestion extract --date " ~ row['snapshot_date'] ~ ").",
            info=True
        ) -%}
    {%- endfor -%}
{%- endif %}
select snapshot_date, entity, path, problem from {{ problems }}
