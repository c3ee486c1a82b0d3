from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "personvern.accounts"
    label = "accounts"
