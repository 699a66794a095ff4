"""A stand-in for the apps to come (governance, finance, assemblies), installed for the tests only.

Its models hang off organisations, people and memberships the way mandates, dues and ballots will, and it
declares them in ``dependents.py`` exactly as a real app does: nothing in ``grappe`` knows it exists.
"""
