"""Writing run outputs (atomically) and summarising runs and sweeps."""
