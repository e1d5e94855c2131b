"""Pipeline health: the last ingestion runs, the dbt builds and their tests, source freshness."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, health, ui
from dashboard import formatting as fmt
from dashboard.labels import unique_labels

# Results in the order they stack, and colours that say what they mean.
STATUS_COLOURS = {
    "pass": "#2e7d32",  # green
    "warn": "#f9a825",  # amber
    "fail": "#c62828",  # red
    "error": "#8e0000",  # dark red
    "runtime error": "#8e0000",
    "skipped": "#9e9e9e",  # grey
}

st.title("Pipeline health")
st.caption(
    "Read from the run summaries (`raw/runs/<date>.json`), the dbt results history "
    "(`marts/dbt_run_results.parquet`) and the raw files: the same whether the pipeline "
    "runs through Airflow or by hand."
)

limit = st.slider("Last runs and builds", 5, 90, 14, key="health_limit")

st.subheader("Ingestion runs")
runs = health.ingestion_runs(limit=limit)
if runs.empty:
    st.info("No ingestion run yet: `make run` (or trigger `spotify_ingest`) writes one a day.")
else:
    complete = runs[runs["status"].str.startswith("complete")]
    cols = st.columns(4)
    cols[0].metric("Days shown", len(runs))
    cols[1].metric("Incomplete days", int((~runs["status"].str.startswith("complete")).sum()))
    cols[2].metric("Retries", int(complete["retries"].fillna(0).sum()))
    cols[3].metric("HTTP 429 answers", int(complete["rate_limited"].fillna(0).sum()))
    st.dataframe(
        pd.DataFrame(
            {
                "Snapshot date": runs["snapshot_date"],
                "Status": runs["status"],
                "Duration (s)": runs["duration_seconds"],
                "Artists": runs["artists"],
                "Top tracks": runs["top_tracks"],
                "Albums": runs["albums"],
                "API requests": runs["requests"],
                "Retries": runs["retries"],
                "429s": runs["rate_limited"],
                "Skipped artists": runs["skipped_artists"],
                "Tier": runs["tier"],
                "Mode": runs["mode"],
            }
        ),
        hide_index=True,
        key="health_runs",
    )

st.subheader("dbt builds and tests")
history = health.build_history(ui.current_marts().directory)
builds = health.builds(history, limit=limit)
if builds.empty:
    st.info("No dbt build recorded yet: the `spotify_dbt` DAG records each build's results.")
else:
    last = builds.iloc[0]
    st.metric("Last build", str(last["status"]))
    ui.build_count_metrics(last["counts"])
    # One stacked bar per build, named by its time (UTC, 24-hour, with the date; the
    # invocation added if two share a minute), oldest left.
    names = unique_labels(
        builds.assign(built_at=builds["generated_at"].map(fmt.format_timestamp)),
        "invocation_id",
        "built_at",
    )
    over_time = pd.DataFrame(
        [
            {"build": names[build.invocation_id], "result": status, "tests": n}
            for build in builds.iloc[::-1].itertuples()
            for kind in ("data_tests", "unit_tests")
            for status, n in build.counts[kind].items()
        ],
        columns=["build", "result", "tests"],
    )
    over_time = over_time.groupby(["build", "result"], as_index=False, sort=False)["tests"].sum()
    results = [r for r in STATUS_COLOURS if r in set(over_time["result"])]
    st.altair_chart(
        alt.Chart(over_time)
        .mark_bar()
        .encode(
            x=alt.X("build:N", title="Build (UTC)", sort=None).axis(
                labelAngle=-30, labelLimit=charts.LABEL_LIMIT
            ),
            y=alt.Y("tests:Q", title="Data and unit tests"),
            color=alt.Color("result:N", title="Result")
            .scale(domain=results, range=[STATUS_COLOURS[r] for r in results])
            .legend(orient="right"),
            order=alt.Order("result_order:Q"),
            tooltip=["build:N", "result:N", "tests:Q"],
        )
        .transform_calculate(
            result_order=f"indexof({json.dumps(list(STATUS_COLOURS))}, datum.result)"
        )
        .properties(height=260)
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Built at": builds["generated_at"].map(fmt.format_timestamp),
                "Status": builds["status"],
                **{
                    label: [
                        health.count_text(kind, counts.get(kind) or {})
                        for counts in builds["counts"]
                    ]
                    for kind, label in health.COUNT_LABELS.items()
                    if any(counts.get(kind) for counts in builds["counts"])
                },
                "Node time (s)": builds["node_seconds"],
                "Invocation": builds["invocation_id"],
            }
        ),
        hide_index=True,
        key="health_builds",
    )
    failing = health.failing_tests(history[history["invocation_id"].isin(builds["invocation_id"])])
    if failing.empty:
        st.success("Every test passed in these builds.")
    else:
        st.markdown("**Tests that did not pass**")
        failing = failing.assign(generated_at=failing["generated_at"].map(fmt.format_timestamp))
        st.dataframe(failing, hide_index=True, key="health_failing")

st.subheader("Source freshness")
st.dataframe(
    health.freshness(build=ui.current_marts().build),
    hide_index=True,
    key="health_freshness",
)
