from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "personvern.registry"
    label = "registry"
