"""The package version: one place, read by the CLI, the batch's pipeline version and the API."""
__version__ = "0.1.0"
