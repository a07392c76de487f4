"""Floor 0: framework pieces every domain stands on; no domain knowledge."""
