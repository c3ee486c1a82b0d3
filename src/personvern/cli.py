"""`personvern`: the product's verbs and Django's management commands in one command."""

import os
import sys

# Verbs that only read files: they need no secret key or database.
OFFLINE_VERBS = {"validate", "schema", "notice", "lint", "fix", "coverage", "protocol", "discover", "newkey"}
# The operator's rights requests on a database named on the command line: no Django at all.
CONNECTOR_VERBS = {"access", "erase"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in CONNECTOR_VERBS:
        from personvern.connectors.__main__ import main as connectors

        sys.exit(connectors(argv[1:], prog="personvern"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personvern.settings")
    if len(argv) > 1 and argv[1] in OFFLINE_VERBS:
        os.environ.setdefault("PERSONVERN_DEV", "1")
    from django.core.management import execute_from_command_line

    argv[0] = "personvern"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
