"""The catalogue of tracked tracks, with their artists' genres."""

import pandas as pd
import streamlit as st

from dashboard import formatting as fmt
from dashboard import ui

filters = ui.filters()
st.title("Catalogue")
st.caption(
    f"Every track ever collected, with its current attributes · {ui.describe_artists(filters)} "
    "(a track matches when a chosen artist is credited on it). **The snapshot-date filter does "
    "not apply here**: the catalogue is not kept per day; popularity is the track's latest."
)
search = st.text_input("Search tracks, artists or albums", key="catalogue_search").strip()
catalogue = ui.query(
    "select track_id, track_name, artist_names, primary_artist_name, genres, album_name, "
    "release_date, duration_minutes, is_explicit, popularity, "
    "(? = '' or contains(lower(concat_ws(' ', track_name, cast(artist_names as varchar), "
    "album_name)), lower(?))) as matches "
    "from catalogue_details where (? or list_has_any(artist_ids, ?)) "
    "order by primary_artist_name, album_name, track_name",
    [search, search, *ui.artist_params(filters.artist_ids)],
)
catalogue["genre_list"] = catalogue["genres"].map(fmt.format_list)
genres = sorted(
    {
        genre.strip()
        for text in catalogue["genre_list"]
        for genre in text.split(",")
        if genre.strip() and text != fmt.MISSING
    }
)
if not genres and not ui.has_popularity():
    ui.development_mode_note("Nor artist genres, so the genre filter is empty.")
chosen = st.multiselect("Genres", options=genres, key="catalogue_genres")
catalogue = catalogue[catalogue["matches"]]
if chosen:
    wanted = set(chosen)
    catalogue = catalogue[
        catalogue["genre_list"].map(
            lambda text: bool(wanted & {g.strip() for g in text.split(",")})
        )
    ]
if catalogue.empty:
    st.info("No track matches the search and filters.")
    st.stop()

columns = st.columns(3)
columns[0].metric("Tracks", fmt.format_number(len(catalogue)))
columns[1].metric("Genres", fmt.format_number(len(genres)))
columns[2].metric(
    "Total duration", fmt.format_duration_minutes(catalogue["duration_minutes"].sum())
)
ui.show_table(
    pd.DataFrame(
        {
            "Track": catalogue["track_name"],
            "Artists": catalogue["artist_names"].map(fmt.format_list),
            "Genres": catalogue["genre_list"],
            "Album": catalogue["album_name"],
            "Released": catalogue["release_date"].map(fmt.format_date),
            "Duration": catalogue["duration_minutes"].map(fmt.format_duration_minutes),
            "Explicit": catalogue["is_explicit"].map(
                lambda v: fmt.MISSING if pd.isna(v) else ("yes" if v else "")
            ),
            "Latest popularity": catalogue["popularity"].map(fmt.format_number),
        }
    )
)
