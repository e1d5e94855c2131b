"""The dashboard's chart shapes, in Altair: titles on the axes they describe, full labels,
legends with human names and every series, gaps left as gaps on time axes."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Long track and album names stay whole on the axis (and in the tooltip).
LABEL_LIMIT = 420
# Twenty distinct colours: the default ten repeat from the 11th artist on. A chart draws at
# most this many series by default (more repeat a colour): see `top_series`.
PALETTE = "tableau20"
DISTINCT_COLOURS = 20
ONE_COLOUR = "#4c78a8"  # the palette's first, for a chart with no colour per series
# Never more series than this in one chart, even on request (a legend of 1,000 names is no
# legend, and 1,000 lines no chart): above it, the sidebar's artist filter picks others.
MAX_SERIES = 150
# A right-hand legend entry's height in Streamlit's theme (about 30 px, measured in Chromium)
# and the legend title's: Vega clips the entries a shorter plot has no room for.
LEGEND_ENTRY_PX = 32
LEGEND_TITLE_PX = 48
# SVG, not canvas: the legend's names are text a browser (and its tests) can read.
SVG = {"embedOptions": {"renderer": "svg"}}


def horizontal_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    value_title: str,
    tooltip: list,
    value_format: str | None = None,
    value_domain: tuple[float, float] | None = None,
) -> alt.Chart:
    """One bar per row, in the frame's order, the names on the vertical axis (untitled: the
    names say what they are) and the value's title on the horizontal axis.

    `category` must name each row once (see dashboard.labels): Vega-Lite stacks the rows that
    share a name into one bar, adding their values up. `value_domain` fixes the axis (0-100
    for a popularity)."""
    x_axis = alt.Axis(format=value_format) if value_format else alt.Axis()
    x_scale = alt.Scale(domain=list(value_domain)) if value_domain else alt.Scale()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=x_axis, scale=x_scale),
            y=alt.Y(
                f"{category}:N",
                title=None,
                sort=list(dict.fromkeys(frame[category])),
                # Every name shown, none dropped as "overlapping".
                axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False),
            ),
            tooltip=tooltip,
        )
        .properties(height=max(120, 26 * len(frame)))
    )


def complete_days(
    frame: pd.DataFrame, key: str, start, end, date_column: str = "snapshot_date"
) -> pd.DataFrame:
    """Every (key, day) from start to end, with NULL measures on days a series has no row,
    so a line breaks over a missing day instead of joining across it."""
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    frame = frame.copy()
    frame[date_column] = pd.to_datetime(frame[date_column])
    grid = pd.MultiIndex.from_product(
        [frame[key].drop_duplicates(), days], names=[key, date_column]
    ).to_frame(index=False)
    return grid.merge(frame, on=[key, date_column], how="left")


def time_axis(first, last, title: str = "Snapshot date", field: str = "snapshot_date") -> alt.X:
    """A day axis from `first` to `last`: one tick a day over a few weeks, fewer over longer
    ranges (never labels on top of each other), and the year whenever the range crosses one."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    days = (last - first).days + 1
    year = "" if first.year == last.year else " %Y"
    if days <= 16:
        ticks, label = {"interval": "day", "step": 1}, f"%d %b{year}"
    elif days <= 120:
        ticks, label = {"interval": "week", "step": 1}, f"%d %b{year}"
    else:
        ticks, label = 8, "%b %Y"
    return alt.X(f"{field}:T", title=title).axis(format=label, tickCount=ticks, labelOverlap=True)


def value_axis(value_format: str | None, whole: bool) -> alt.Axis:
    """Whole numbers (a popularity, a rank) never get decimals, even on a flat series (a
    one-value domain made Vega write 87.000000); other values lose trailing zeros. A whole
    `value_format` (",d": thousands separated) replaces "d"."""
    if whole:
        return alt.Axis(format=value_format or "d", tickMinStep=1)
    return alt.Axis(format=value_format or ",~r")


def daily_lines(
    frame: pd.DataFrame,
    *,
    series: str,
    series_title: str,
    value: str,
    value_title: str,
    reverse: bool = False,
    zero: bool = False,
    value_format: str | None = None,
    whole: bool = False,
) -> alt.Chart:
    """One line per series over the snapshot days; missing days (NULL) break the line.
    `whole`: the values are whole numbers (a rank, `reverse`, always is)."""
    y_axis = value_axis(value_format, whole or reverse)
    days = pd.to_datetime(frame["snapshot_date"])
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=time_axis(days.min(), days.max()),
            y=alt.Y(f"{value}:Q", title=value_title, axis=y_axis).scale(zero=zero, reverse=reverse),
            color=alt.Color(f"{series}:N", title=series_title)
            .scale(scheme=PALETTE)
            # On the right: a legend below would take its height from the plot's.
            .legend(orient="right", labelLimit=LABEL_LIMIT, symbolLimit=0),
            tooltip=[
                alt.Tooltip(f"{series}:N", title=series_title),
                alt.Tooltip("snapshot_date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format or ""),
            ],
        )
        # Tall enough for every legend entry: Vega clips those that do not fit.
        .properties(height=legend_height(frame[series].nunique(), 320), usermeta=SVG)
    )


def top_series(
    frame: pd.DataFrame,
    key: str,
    measure: str,
    n: int = DISTINCT_COLOURS,
    date_column: str = "snapshot_date",
) -> list:
    """The ids of the `n` series drawn when there are more: the highest `measure` on the last
    day in `frame` (ties and missing values: by id), so the rule can be written on the page."""
    last = frame[frame[date_column] == frame[date_column].max()]
    ranked = last.sort_values([measure, key], ascending=[False, True], na_position="last")
    ids = list(dict.fromkeys(ranked[key]))
    ids += sorted(set(frame[key]) - set(ids))
    return ids[:n]


def legend_height(entries: int, minimum: int) -> int:
    """A plot height that leaves room for a right-hand legend of `entries` names."""
    return max(minimum, LEGEND_ENTRY_PX * entries + LEGEND_TITLE_PX)
