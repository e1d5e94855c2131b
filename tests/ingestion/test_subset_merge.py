"""A subset of the roster merged into a day's raw files (`raw_writer.merge_artist_subset`): the
selected artists' rows replaced, the others' kept, nothing duplicated; the merged file is staged
beside the published day, which the run's summary replaces whole."""

from __future__ import annotations

from ingestion.raw_writer import (
    ALBUM_COLUMNS,
    ARTIST_COLUMNS,
    merge_artist_subset,
    raw_path,
    read_csv,
    staged_path,
    write_csv,
)


def _row(columns, **values):
    return {c: values.get(c, "") for c in columns}


def test_a_subset_merge_replaces_the_selected_artists_rows_and_keeps_the_others(tmp_path):
    day = "2026-11-20"
    data, staged = tmp_path / "data", tmp_path / "staged"
    old = [
        _row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A", artist_name="old A"),
        _row(ARTIST_COLUMNS, snapshot_date=day, artist_id="B", artist_name="old B"),
    ]
    write_csv(raw_path(data, "artists", day), ARTIST_COLUMNS, old)
    write_csv(
        staged_path(staged, "artists", day),
        ARTIST_COLUMNS,
        [_row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A", artist_name="new A")],
    )
    assert merge_artist_subset("artists", day, ["A"], staged_dir=staged, data_dir=data) == 2
    rows = {r["artist_id"]: r["artist_name"] for r in read_csv(staged_path(data, "artists", day))}
    assert rows == {"A": "new A", "B": "old B"}

    # Albums: the selected artist's rows are replaced; the shared full-album rows (no tracked
    # artist) are replaced by key, the others kept; nothing is duplicated.
    def album(album_id, tracked, source, name):
        return _row(
            ALBUM_COLUMNS,
            snapshot_date=day,
            album_id=album_id,
            tracked_artist_id=tracked,
            source=source,
            album_name=name,
        )

    write_csv(
        raw_path(data, "albums", day),
        ALBUM_COLUMNS,
        [
            album("x", "A", "artist_albums", "old"),
            album("y", "B", "artist_albums", "old"),
            album("x", "", "album", "old"),
            album("y", "", "album", "old"),
        ],
    )
    write_csv(
        staged_path(staged, "albums", day),
        ALBUM_COLUMNS,
        [album("z", "A", "artist_albums", "new"), album("x", "", "album", "new")],
    )
    merge_artist_subset("albums", day, ["A"], staged_dir=staged, data_dir=data)
    rows = {
        (r["album_id"], r["tracked_artist_id"], r["source"]): r["album_name"]
        for r in read_csv(staged_path(data, "albums", day))
    }
    assert rows == {
        ("z", "A", "artist_albums"): "new",
        ("y", "B", "artist_albums"): "old",
        ("x", "", "album"): "new",
        ("y", "", "album"): "old",
    }


def test_a_subset_of_a_day_not_extracted_yet_is_the_day_file(tmp_path):
    day = "2026-11-21"
    staged = tmp_path / "staged"
    write_csv(
        staged_path(staged, "artists", day),
        ARTIST_COLUMNS,
        [_row(ARTIST_COLUMNS, snapshot_date=day, artist_id="A")],
    )
    merge_artist_subset("artists", day, ["A"], staged_dir=staged, data_dir=tmp_path / "data")
    assert [r["artist_id"] for r in read_csv(staged_path(tmp_path / "data", "artists", day))] == [
        "A"
    ]
