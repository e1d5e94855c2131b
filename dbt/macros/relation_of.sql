{#- A model's relation for a hook, found in dbt's graph: a hook's ref() is not a dependency dbt
    knows of (the model depends on it anyway). -#}
{% macro relation_of(model_name) %}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
    {{ return(adapter.get_relation(node.database, node.schema, node.alias)) }}
{% endmacro %}
