"""Resonanz: the social customer-service hub."""

__version__ = "0.1.0"
