"""Artists over time: popularity and followers day by day, and the artists that moved."""

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard import open_signals as signals
from dashboard.labels import artist_labels

filters = ui.filters()
st.title("Artists over time")
ui.caption_range(filters)

history = ui.query(
    "select snapshot_date::date as snapshot_date, artist_id, artist_name, popularity, "
    "followers from artist_popularity_daily "
    "where snapshot_date::date between ? and ? and (? or artist_id = any(?)) "
    "order by snapshot_date, artist_name",
    [filters.start, filters.end, *ui.artist_params(filters.artist_ids)],
)
if history.empty:
    st.info("No tracked artist has a snapshot in these dates. Widen the filters in the sidebar.")
    st.stop()
use_popularity = history["popularity"].notna().any()
if not use_popularity and signals.available(signals.ARTIST_FACTS):
    # Development Mode: the artists' open signals where popularity and followers would be.
    ui.development_mode_note(signals.DEVELOPMENT_MODE_CAPTION)
    with_signals = signals.artist_history(filters)
    for column in ("deezer_fans", "lastfm_plays"):
        title = signals.ARTIST_MEASURES[column]
        st.subheader(title)
        drawn, note = signals.top_of(
            with_signals, key="artist_id", measure=column, title=title, what="artists"
        )
        if note:
            st.caption(note)
        st.altair_chart(
            signals.lines(
                drawn,
                key="artist_id",
                labels=artist_labels(with_signals),
                measure=column,
                title=signals.ARTIST_MEASURES[column],
                series_title="Artist",
                current=filters,
            )
        )
    st.stop()
if not use_popularity:
    ui.development_mode_note(
        "This page has nothing to draw for them: see *Top artists* for the artists' "
        "top-track slots, which Development Mode keeps."
    )
    st.stop()

# One series per artist id, named by the artist (two artists may share a name).
names = artist_labels(history)
last_day = history["snapshot_date"].max()
# The most popular on the last day first: with more artists than distinct colours, the top
# ones are drawn unless the reader asks for all (a legend of 100 names is long, but whole).
ranked = (
    history[history["snapshot_date"] == last_day]
    .sort_values(["popularity", "artist_name"], ascending=[False, True], na_position="last")[
        "artist_id"
    ]
    .tolist()
)
ranked += sorted(set(names.index) - set(ranked), key=lambda artist_id: names[artist_id])
if len(ranked) > charts.MAX_SERIES:
    # A thousand lines are no chart: the top ones, and the sidebar's filter for the others.
    ranked = ranked[: charts.DISTINCT_COLOURS]
    st.caption(
        f"The charts show the {charts.DISTINCT_COLOURS} most popular of the "
        f"{len(names):,} artists on {fmt.format_date(last_day)}: choose artists in the "
        "sidebar (type to search) to see others."
    )
elif len(ranked) > charts.DISTINCT_COLOURS:
    show_all = st.toggle(f"Show all {len(ranked)} artists", key="artists_show_all")
    if not show_all:
        ranked = ranked[: charts.DISTINCT_COLOURS]
        st.caption(
            f"The charts show the {charts.DISTINCT_COLOURS} most popular of the "
            f"{len(names)} artists on {fmt.format_date(last_day)}: switch on "
            "**Show all** to draw every one (colours then repeat; the legend names each)."
        )
history = history[history["artist_id"].isin(ranked)]
grid = charts.complete_days(history, "artist_id", filters.start, filters.end)
grid["artist_name"] = grid["artist_id"].map(names)
st.subheader("Popularity")
st.altair_chart(
    charts.daily_lines(
        grid,
        series="artist_name",
        series_title="Artist",
        value="popularity",
        value_title="Popularity (0-100)",
        whole=True,
    )
)
st.subheader("Followers")
st.altair_chart(
    charts.daily_lines(
        grid,
        series="artist_name",
        series_title="Artist",
        value="followers",
        value_title="Followers",
        value_format="~s",
    )
)
st.caption("A day without a snapshot leaves a gap in the lines (mart `artist_popularity_daily`).")

st.subheader("Rising and falling artists")


def _table(frame: pd.DataFrame, change: str, followers_change: str, extra: dict) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Artist": frame["artist_name"],
            **extra,
            "Popularity change": frame[change].map(fmt.format_change),
            "Followers change": frame[followers_change].map(
                lambda v: (
                    fmt.MISSING if pd.isna(v) else ("+" if v > 0 else "") + fmt.format_count(v)
                )
            ),
        }
    )


day_tab, week_tab = st.tabs(["Day over day", "Over 7 days"])
with day_tab:
    daily = ui.query(
        "select artist_name, popularity, followers, popularity_change, followers_change "
        "from artist_popularity_daily where snapshot_date::date = ? and (? or artist_id = any(?)) "
        "order by popularity_change desc nulls last, followers_change desc nulls last, artist_name",
        [last_day, *ui.artist_params(filters.artist_ids)],
    )
    st.caption(
        f"{fmt.format_date(last_day)} against the day before (NULL, shown —, when that day "
        "has no snapshot); sorted by the popularity change, then followers gained."
    )
    day_before = pd.Timestamp(last_day) - pd.Timedelta(days=1)
    if ui.window_inside(day_before, last_day, filters, "The day-over-day change"):
        ui.show_table(
            _table(
                daily,
                "popularity_change",
                "followers_change",
                {
                    "Popularity": daily["popularity"].map(fmt.format_number),
                    "Followers": daily["followers"].map(fmt.format_count),
                },
            )
        )
with week_tab:
    weekly = ui.query(
        "select artist_name, popularity_start, popularity_end, popularity_change, "
        "followers_start, followers_end, followers_change, direction, "
        "window_start_date::date as since from artist_movers_7d "
        "where window_end_date::date = ? and (? or artist_id = any(?)) "
        "order by popularity_change desc nulls last, followers_change desc nulls last, artist_name",
        [last_day, *ui.artist_params(filters.artist_ids)],
    )
    if weekly.empty:
        st.info(
            f"No 7-day window ends on {fmt.format_date(last_day)}: it needs an earlier snapshot "
            "within the 7 days before."
        )
    elif ui.window_inside(weekly["since"].iloc[0], last_day, filters, "The 7-day window"):
        st.caption(
            f"{fmt.format_date(weekly['since'].iloc[0])} against {fmt.format_date(last_day)} "
            "(mart `artist_movers_7d`)."
        )
        ui.show_table(
            _table(
                weekly,
                "popularity_change",
                "followers_change",
                {
                    "Popularity then": weekly["popularity_start"].map(fmt.format_number),
                    "Popularity now": weekly["popularity_end"].map(fmt.format_number),
                    "Direction": weekly["direction"],
                },
            )
        )
