"""Spotify Web API ingestion: client, raw CSV layer, extract CLI, and the offline sandbox."""
