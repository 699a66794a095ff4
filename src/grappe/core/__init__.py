"""What every app shares (DESIGN.md, "The parts"): the registry of dependents, the audit log
(``audit.record_event``) and small database helpers."""
