"""Refresh schedules: when a model's alias holder is warm-started on its newest data. Stored in
the `model_schedules` table and timed by Celery beat (workers.beat)."""
