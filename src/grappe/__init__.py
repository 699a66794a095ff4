"""Grappe: run a federated network of member companies and carry it through its mergers."""

__version__ = "0.1.0"
