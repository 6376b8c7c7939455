"""The web UI at /ui (pages and static assets; the data comes from the JSON API)."""
