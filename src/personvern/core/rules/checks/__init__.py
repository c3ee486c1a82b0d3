"""The linter's rules, one check function each, by family. Importing this package registers them."""

from . import activities, cookies, organisation, recipients, texts  # noqa: F401
