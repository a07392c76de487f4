"""Service requests (报事报修, complaints): categories, workflow, SLA, duplicates, statistics."""
