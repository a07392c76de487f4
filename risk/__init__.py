"""Floor 6: merchant features, LightGBM training, model registry, scoring and reason codes, drift, financing."""
