from django.apps import AppConfig
from django.core import checks


class DatasourcesConfig(AppConfig):
    name = "personvern.datasources"
    label = "datasources"

    def ready(self):
        checks.register(connection_policy_check)


def connection_policy_check(app_configs=None, **kwargs):
    """A mistyped PERSONVERN_CONNECTOR_* setting is said at start-up (migrate, serve, check),
    not at the first connection a person makes."""
    from django.core.exceptions import ImproperlyConfigured

    from .policy import connection_policy

    try:
        connection_policy()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="See docs/configuration.md, Connection policy.", id="personvern.E901")]
    return []
