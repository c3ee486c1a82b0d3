from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "personvern.consent"
    label = "consent"

    def ready(self):
        from django.db.models.signals import post_save

        from personvern.registry.models import RegisterVersion

        from .services import forget_all

        # A new register version may change the cookie table, the version hash and the
        # allowed origins: drop this process's cache (other processes refresh within 30 s).
        post_save.connect(lambda **kwargs: forget_all(), sender=RegisterVersion, weak=False,
                          dispatch_uid="consent.forget_on_register_save")
