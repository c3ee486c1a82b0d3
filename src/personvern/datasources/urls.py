from django.urls import path

from . import views

app_name = "datasources"
urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_new, name="new"),
    path("retention/run/", views.retention_run_now, name="run_now"),
    path("retention/<int:pk>/", views.retention_run_detail, name="run"),
    path("c/<slug:slug>/", views.connection_detail, name="detail"),
]
