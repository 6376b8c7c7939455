"""Streams: the server keeps each stream's recurrent state (or its recent window), so a new
observation costs one step of the model instead of a resend of the whole window (issue 7)."""
