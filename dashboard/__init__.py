"""Streamlit dashboard over the exported marts (`$DATA_DIR/marts/*.parquet`)."""
