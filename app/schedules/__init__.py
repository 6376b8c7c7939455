"""Refresh schedules: when a model's alias holder is warm-started on its newest data. Stored in
the `model_schedules` table and timed by Celery beat (workers.beat)."""

FIRE_TASK = "schedules.fire"
"""What beat sends when a schedule is due (args: [schedule id]); the worker runs it
(workers.schedules)."""
