"""RQ job functions: importable, taking ids and primitives only."""
