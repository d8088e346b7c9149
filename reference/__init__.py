"""The reference engine: a pure, deterministic reading of the "Job Retry" page."""
