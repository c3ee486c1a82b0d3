from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "personvern.notices"
    label = "notices"
