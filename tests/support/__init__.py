"""Helpers shared by the tests: real services and real processes."""
