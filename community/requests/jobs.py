"""Jobs of community/requests; PERIODIC is collected into app.py's SCHEDULE."""
from core.jobs import PeriodicJob

PERIODIC: list[PeriodicJob] = []
