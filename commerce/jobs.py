"""Jobs of commerce; PERIODIC is collected into app.py's SCHEDULE."""
from core.jobs import PeriodicJob

PERIODIC: list[PeriodicJob] = []
