"""The legal linter: rules from legal-rules.yaml checked against a register.

    >>> from personvern.core.rules import lint
    >>> for f in lint(register, lang="en"):
    ...     print(f.severity, f.rule_id, f.path, f.message)

Each rule is one function in `checks/`, registered with `@rule("<legal-rules id>")`; see docs/linter.md.
"""

from .engine import RULES, Finding, has_errors, legal_rules, lint, rule_table  # noqa: F401
from .vendors import catalogue  # noqa: F401
