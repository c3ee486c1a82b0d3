from django.apps import AppConfig


class DatasourcesConfig(AppConfig):
    name = "personvern.datasources"
    label = "datasources"
