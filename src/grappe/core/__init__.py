"""What every app shares (DESIGN.md, "The parts"): the registry of dependents and small database helpers."""
