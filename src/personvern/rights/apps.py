from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "personvern.rights"
    label = "rights"
