from django.apps import AppConfig
from django.core import checks


class ConsentConfig(AppConfig):
    name = "personvern.consent"
    label = "consent"

    def ready(self):
        from django.db.models.signals import post_save

        checks.register(webhook_allow_check)

        from personvern.registry.models import RegisterVersion

        from .services import forget_all

        # A new register version may change the cookie table, the version hash and the
        # allowed origins: drop this process's cache (other processes refresh within 30 s).
        post_save.connect(lambda **kwargs: forget_all(), sender=RegisterVersion, weak=False,
                          dispatch_uid="consent.forget_on_register_save")


def webhook_allow_check(app_configs=None, **kwargs):
    """A mistyped PERSONVERN_WEBHOOK_ALLOW is said at start-up, not in a failed webhook later."""
    from .webhook import allowed_networks

    try:
        allowed_networks()
    except ValueError as exc:
        return [checks.Error(f"PERSONVERN_WEBHOOK_ALLOW: {exc}", hint="Write networks (CIDR) or addresses, "
                             "comma-separated; see docs/configuration.md.", id="personvern.E910")]
    return []
