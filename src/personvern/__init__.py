"""personvern: the system behind a Norwegian privacy notice."""

__version__ = "0.1.0"
