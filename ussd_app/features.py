"""Imports every feature module that registers demo data or CLI commands."""
