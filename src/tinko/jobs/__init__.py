"""Jobs: one registry of plain functions, run in-process by default or by Celery workers."""
