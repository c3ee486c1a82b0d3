from django.urls import path  # noqa: F401

app_name = "datasources_public"
urlpatterns: list = []
