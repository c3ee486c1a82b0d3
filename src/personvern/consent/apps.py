from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "personvern.consent"
    label = "consent"
