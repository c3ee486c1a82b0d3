"""`personvern demo`: the example organisations and a demo owner, ready to try."""

import base64
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from personvern.accounts.models import Membership, Organisation, Role
from personvern.core.manifest import RegisterError, load_register
from personvern.outbox.backend import outbox_in_use
from personvern.registry.services import current_version, register_save

DEMO_USER = "demo"
DEMO_EMAIL = "demo@personvern.no"
DEMO_PASSWORD = "personvern-demo"
# A fixed TOTP key so the printed set-up stays valid between runs (demo only).
DEMO_TOTP_KEY = "70657273f76e7665726e2d64656d6f2d6b6579"


def default_examples_dir() -> Path:
    return Path(settings.BASE_DIR).parent.parent / "examples"


class Command(BaseCommand):
    help = "Load the example organisations (examples/*.yaml) and a demo owner account. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--examples", type=Path, default=None)
        parser.add_argument(
            "--demo-installation", action="store_true",
            help="This installation is a public demo: create the demo owner even though DEBUG is off "
                 "(or set PERSONVERN_DEMO_INSTALLATION=1)",
        )

    def handle(self, *args, examples, demo_installation, **opts):
        if not (settings.DEBUG or demo_installation or settings.PERSONVERN_DEMO_INSTALLATION):
            # The demo owner's password and TOTP key are published in the README: on a real installation
            # they would be an owner account anyone can log in to.
            raise CommandError(
                f"refused: `personvern demo` creates the owner {DEMO_USER!r} with a published password and "
                "two-factor key, so it runs only where DEBUG=1 (development), or on an installation meant as a "
                "public demo with --demo-installation (or PERSONVERN_DEMO_INSTALLATION=1)."
            )
        folder = examples or default_examples_dir()
        files = sorted(folder.glob("*.yaml"))
        if not files:
            raise CommandError(f"no example registers in {folder}")
        user = self._demo_user()
        for path in files:
            try:
                register = load_register(path)
            except RegisterError as exc:
                raise CommandError(f"{path} is invalid:\n{exc}", returncode=2) from None
            with transaction.atomic():
                org, _ = Organisation.objects.get_or_create(slug=path.stem, defaults={"name": register.controller.legal_name})
                Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": Role.OWNER})
                # Never overwrite a register someone has edited since: load once.
                version = current_version(org) or register_save(
                    org=org, register=register, user=user, message=f"Lastet fra {path.name}"
                )
            self.stdout.write(f"  {org.slug:<14} {org.name} (protokoll v{version.number})")
        self._load_extras()
        key32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")
        self.stdout.write(
            "\nDemo ready on http://127.0.0.1:8000/\n"
            f"  user:      {DEMO_USER}  (or {DEMO_EMAIL})\n"
            f"  password:  {DEMO_PASSWORD}\n"
            f"  2FA code:  owners need one; add this key to an authenticator app: {key32}\n"
            "             or print the current code with: .venv/bin/personvern otp_code demo\n"
        )
        if outbox_in_use():
            self.stdout.write(f"  mail:      not sent; read it in the outbox, {settings.SITE_URL}/outbox/\n")

    def _demo_user(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=DEMO_USER, defaults={"email": DEMO_EMAIL})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        TOTPDevice.objects.get_or_create(user=user, name="demo", defaults={"key": DEMO_TOTP_KEY, "confirmed": True})
        return user

    def _load_extras(self):
        """Let other apps add demo data (e.g. a shop database) through a `demo` module."""
        import importlib

        from django.apps import apps

        for config in apps.get_app_configs():
            if config.name.startswith("personvern.") and config.name != "personvern.registry":
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                for line in module.load_demo() or []:
                    self.stdout.write(f"  {line}")
