"""`personvern`: the product's verbs and Django's management commands in one command."""

import os
import sys

# Verbs that only read files: they need no secret key or database.
OFFLINE_VERBS = {"validate", "schema", "notice", "lint", "coverage", "protocol", "discover", "newkey"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personvern.settings")
    if len(argv) > 1 and argv[1] in OFFLINE_VERBS:
        os.environ.setdefault("PERSONVERN_DEV", "1")
    from django.core.management import execute_from_command_line

    argv[0] = "personvern"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
