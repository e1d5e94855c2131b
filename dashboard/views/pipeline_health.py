"""Pipeline health: the last ingestion runs, the dbt builds and their tests, source freshness."""

import pandas as pd
import streamlit as st

from dashboard import health, ui

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
    cols = st.columns(4)
    cols[0].metric("Last build", str(last["status"]))
    cols[1].metric("Tests passed", int(last["tests_pass"]))
    cols[2].metric("Tests failed", int(last["tests_fail"] + last["tests_error"]))
    cols[3].metric("Tests warned", int(last["tests_warn"]))
    over_time = builds.melt(
        id_vars=["generated_at"],
        value_vars=["tests_pass", "tests_warn", "tests_fail", "tests_error"],
        var_name="result",
        value_name="tests",
    )
    over_time["result"] = over_time["result"].str.removeprefix("tests_")
    st.bar_chart(over_time, x="generated_at", y="tests", color="result", x_label="Build")
    st.dataframe(
        pd.DataFrame(
            {
                "Built at": builds["generated_at"],
                "Status": builds["status"],
                "Models ok": builds["models_ok"],
                "Models failed/skipped": builds["models_failed"],
                "Tests pass": builds["tests_pass"],
                "Tests warn": builds["tests_warn"],
                "Tests fail": builds["tests_fail"],
                "Tests error": builds["tests_error"],
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
        st.dataframe(failing, hide_index=True, key="health_failing")

st.subheader("Source freshness")
st.dataframe(
    health.freshness(build=ui.current_marts().build),
    hide_index=True,
    key="health_freshness",
)
