{#- Every published day is whole (docs/interfaces.md section 2), Spotify's and each open-signal
    source's: one line per file that is not, naming the source, the day, the file and what is
    wrong. Such a day is left out of every model (no row of it anywhere) while the others load;
    extracting it again publishes a new version. -#}
{{ config(severity='error') }}
{%- set problems = ref('stg_spotify__raw_file_problems') -%}
{%- if execute and load_relation(problems) is not none -%}
    {%- for row in run_query('select * from ' ~ problems ~ ' order by all').rows -%}
        {%- set day = row['snapshot_date'] | string -%}
        {%- if row['source'] == 'spotify' -%}
            {%- set what, command = 'Published day ' ~ day, 'extract --date ' ~ day -%}
        {%- else -%}
            {%- set what = 'Published ' ~ row['source'] ~ ' day ' ~ day -%}
            {%- set command = 'open-signals --date ' ~ day ~ ' --source ' ~ row['source'] -%}
        {%- endif -%}
        {%- do log(
            what ~ " is not whole and was not loaded: " ~ row['path'] ~ " " ~ row['problem']
            ~ ". Extract " ~ day ~ " again (python -m ingestion " ~ command ~ ").",
            info=True
        ) -%}
    {%- endfor -%}
{%- endif %}
select source, snapshot_date, entity, path, problem from {{ problems }}
