"""Across platforms: Spotify popularity beside the open signals (Deezer rank and fans, Last.fm
listeners and plays per day) per track and per artist, their 7-day movers, and how many of
each day's tracks every source matched."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import formatting as fmt
from dashboard import open_signals as signals
from dashboard.labels import artist_labels, track_labels

filters = ui.filters()
st.title("Across platforms")
ui.caption_range(
    filters,
    "Deezer matched by exact ISRC, Last.fm by artist and title; a track or artist no source "
    "matched that day leaves a gap.",
)
needed = [
    signals.TRACK_FACTS,
    signals.ARTIST_FACTS,
    "open_signal_match_rate",
    "track_movers_open_signals_7d",
    "artist_movers_open_signals_7d",
]
missing = [model for model in needed if not signals.available(model)]
if missing:
    st.info(
        "This export has no open signals (" + ", ".join(f"`{m}`" for m in missing) + "): "
        "`make run` extracts Deezer and Last.fm beside Spotify and exports them."
    )
    st.stop()


# Spotify's popularity is charted beside the open signals when the app gets it.
has_popularity = ui.has_popularity()
if not has_popularity:
    ui.development_mode_note(
        "The charts below show Deezer and Last.fm only, matched by ISRC, which every app gets."
    )


def _measure_tabs(frame, *, key, labels, measures, series_title, what) -> None:
    """One tab per measure, one line per entity id: at most the top 20 by that measure."""
    shown = {c: t for c, t in measures.items() if c != "popularity" or has_popularity}
    for tab, (column, title) in zip(st.tabs(list(shown.values())), shown.items(), strict=True):
        with tab:
            drawn, note = signals.top_of(frame, key=key, measure=column, title=title, what=what)
            if note:
                st.caption(note)
            st.altair_chart(
                signals.lines(
                    drawn,
                    key=key,
                    labels=labels,
                    measure=column,
                    title=title,
                    series_title=series_title,
                    current=filters,
                )
            )


st.subheader("Tracks")
# Every track of the range is offered and named; every day is read only for the ones drawn.
in_range = ui.range_tracks(filters)
if in_range.empty:
    st.info("No top tracks for these artists and dates. Widen the filters in the sidebar.")
    st.stop()
labels = track_labels(in_range)
last_day = in_range["snapshot_date"].max()
day = pd.Timestamp(last_day).date()
latest = signals.track_history(replace(filters, start=day, end=day))
latest["label"] = latest["track_id"].map(labels)
latest = latest.sort_values(["deezer_rank", "label"], ascending=[False, True], na_position="last")
# The picked tracks belong to the filters they were picked under: new filters, new top 5.
picked_under = (filters.artist_ids, filters.start, filters.end)
if st.session_state.get("_across_tracks_filters") != picked_under:
    st.session_state.pop("across_tracks", None)
    st.session_state["_across_tracks_filters"] = picked_under
default = list(latest["track_id"].head(5))
chosen = st.multiselect(
    "Tracks",
    options=sorted(labels.index, key=lambda track_id: (labels[track_id], track_id)),
    default=default,
    format_func=labels.get,
    key="across_tracks",
    help="The five with the highest Deezer rank on the last day, unless you pick others.",
)
_measure_tabs(
    signals.track_history(filters, track_ids=chosen or default),
    key="track_id",
    labels=labels,
    measures=signals.TRACK_MEASURES,
    series_title="Track",
    what="tracks",
)

st.subheader("Artists")
artists = signals.artist_history(filters)
names = artist_labels(artists)
_measure_tabs(
    artists,
    key="artist_id",
    labels=names,
    measures=signals.ARTIST_MEASURES,
    series_title="Artist",
    what="artists",
)

st.subheader("Movers over 7 days")
track_movers = ui.query(
    "select m.track_id, m.window_start_date::date as since, t.track_label, "
    "m.deezer_rank_start, m.deezer_rank_end, m.deezer_rank_change, m.lastfm_plays, "
    "m.lastfm_new_listeners from track_movers_open_signals_7d m "
    "join top_tracks t on t.track_id = m.track_id "
    "and t.snapshot_date::date = m.window_end_date::date "
    "where m.window_end_date::date = ? "
    "and (? or t.artist_id = any(?) or t.tracked_artist_id = any(?))",
    [last_day, *ui.track_artist_params(filters)],
)
artist_movers = ui.query(
    "select m.artist_id, m.window_start_date::date as since, m.deezer_fans_end, "
    "m.deezer_fans_change, m.lastfm_plays, m.lastfm_new_listeners "
    "from artist_movers_open_signals_7d m "
    "where m.window_end_date::date = ? and (? or m.artist_id = any(?))",
    [last_day, *ui.artist_params(filters.artist_ids)],
)
if track_movers.empty and artist_movers.empty:
    st.info(
        f"No 7-day window with open signals ends on {fmt.format_date(last_day)}: it needs "
        "open signals on an earlier day within the 7 days before."
    )
else:
    since = (track_movers["since"] if not track_movers.empty else artist_movers["since"]).iloc[0]
    if ui.window_inside(since, last_day, filters, "The 7-day window"):
        st.caption(
            f"{fmt.format_date(since)} against {fmt.format_date(last_day)} (marts "
            "`track_movers_open_signals_7d`, `artist_movers_open_signals_7d`): the Deezer "
            "rank's change, the Last.fm plays and new listeners over the window."
        )
        track_movers["Track"] = track_movers["track_label"]
        track_movers = track_movers.sort_values(
            ["deezer_rank_change", "lastfm_plays", "Track"],
            ascending=[False, False, True],
            na_position="last",
        )
        ui.show_table(
            pd.DataFrame(
                {
                    "Track": track_movers["Track"],
                    "Deezer rank then": track_movers["deezer_rank_start"].map(fmt.format_number),
                    "Deezer rank now": track_movers["deezer_rank_end"].map(fmt.format_number),
                    "Deezer rank change": track_movers["deezer_rank_change"].map(fmt.format_change),
                    "Last.fm plays": track_movers["lastfm_plays"].map(fmt.format_number),
                    "Last.fm new listeners": track_movers["lastfm_new_listeners"].map(
                        fmt.format_number
                    ),
                }
            )
        )
        artist_movers["Artist"] = artist_movers["artist_id"].map(names)
        artist_movers = artist_movers.sort_values(
            ["deezer_fans_change", "Artist"], ascending=[False, True], na_position="last"
        )
        ui.show_table(
            pd.DataFrame(
                {
                    "Artist": artist_movers["Artist"],
                    "Deezer fans": artist_movers["deezer_fans_end"].map(fmt.format_number),
                    "Deezer fans gained": artist_movers["deezer_fans_change"].map(
                        fmt.format_change
                    ),
                    "Last.fm plays": artist_movers["lastfm_plays"].map(fmt.format_number),
                    "Last.fm new listeners": artist_movers["lastfm_new_listeners"].map(
                        fmt.format_number
                    ),
                }
            )
        )

st.subheader("Match rate")
SOURCES = {"deezer": "Deezer (by ISRC)", "lastfm": "Last.fm (by artist and title)"}
rates = ui.query(
    "select snapshot_date::date as snapshot_date, source, tracks, matched, not_found, no_isrc, "
    "malformed_isrc, bad_body, match_rate from open_signal_match_rate "
    "where snapshot_date::date between ? and ? order by snapshot_date, source",
    [filters.start, filters.end],
)
st.caption(
    "Of each day's Spotify tracks (top tracks and playlist tracks, every artist), the share "
    "each source matched (mart `open_signal_match_rate`). A source's unpublished day is a gap."
)
if rates.empty:
    st.info("No open-signal day is published in these dates.")
else:
    rates["matched_percent"] = (rates["match_rate"] * 100).round()
    shown = charts.complete_days(rates, "source", filters.start, filters.end)
    shown["source_label"] = shown["source"].map(lambda s: SOURCES.get(s, s))
    st.altair_chart(
        charts.daily_lines(
            shown,
            series="source_label",
            series_title="Source",
            value="matched_percent",
            value_title="Tracks matched (%)",
            zero=True,
            whole=True,
        )
    )
    ui.show_table(
        pd.DataFrame(
            {
                "Date": rates["snapshot_date"].map(fmt.format_date),
                "Source": rates["source"].map(lambda s: SOURCES.get(s, s)),
                "Tracks": rates["tracks"].map(fmt.format_number),
                "Matched": rates["matched"].map(fmt.format_number),
                "Match rate": rates["match_rate"].map(lambda r: f"{r:.1%}"),
                "Not found": rates["not_found"].map(fmt.format_number),
                "No ISRC": rates["no_isrc"].map(fmt.format_number),
                "Malformed ISRC": rates["malformed_isrc"].map(fmt.format_number),
                "Not JSON": rates["bad_body"].map(fmt.format_number),
            }
        )
    )
