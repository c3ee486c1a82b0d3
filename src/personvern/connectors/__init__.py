"""Connectors: the organisation's own databases, reached through SQLAlchemy Core.

Pure Python, no Django. Every operation returns a result dataclass that says what it
touched (tables and counts, never values) so the caller can write the audit record.
"""

from personvern.connectors.engine import ConnectorError, make_engine, reflect, test_connection

__all__ = ["ConnectorError", "make_engine", "reflect", "test_connection"]
