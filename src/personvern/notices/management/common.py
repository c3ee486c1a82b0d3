"""What the notice commands share: reading a register file or stopping with its problems."""

from django.core.management.base import CommandError

from personvern.core.manifest import Register, RegisterError, load_register


def load_or_exit(command, file: str) -> Register:
    """The register in `file`; on errors, each problem to stderr and exit 2."""
    try:
        return load_register(file)
    except RegisterError as exc:
        for p in exc.problems:
            command.stderr.write(str(p))
        raise CommandError(f"{file}: invalid register", returncode=2) from None
