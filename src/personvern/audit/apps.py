from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "personvern.audit"
    label = "audit"
