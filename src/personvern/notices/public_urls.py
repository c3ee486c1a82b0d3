from django.urls import path  # noqa: F401

app_name = "notices_public"
urlpatterns: list = []
