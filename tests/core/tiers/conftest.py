"""The tier and pricing tests exercise pure functions: no app, no database.

The root ``conftest.py`` has an autouse ``_clean`` fixture that needs the session ``app`` (built and
migrated from empty) and empties every table after each test. Overriding it here by name keeps these
tests from creating the app at all, so they run in well under a second or two on their own.
"""
import pytest


@pytest.fixture
def _clean():
    yield
