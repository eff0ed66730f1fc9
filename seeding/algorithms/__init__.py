"""Seed-selection methods, one module per family."""
