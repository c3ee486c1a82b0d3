from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "personvern.outbox"
    label = "outbox"
