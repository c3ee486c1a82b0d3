from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "personvern.jobs"
    label = "jobs"
