"""seqcast workers: the Celery side, and the only place torch is imported."""
