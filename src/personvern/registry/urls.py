from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("edit/<slug:section>/", views.edit_section, name="edit"),
    path("new-activity/", views.add_activity, name="activity_add"),
    path("activities/<slug:activity>/", views.edit_activity, name="activity"),
    path("activities/<slug:activity>/delete/", views.delete_activity, name="activity_delete"),
    path("history/", views.history, name="history"),
    path("history/<int:number>/", views.version_detail, name="version"),
    path("history/<int:number>/register.yaml", views.download_version, name="download_version"),
    path("register.yaml", views.download, name="download"),
    path("upload/", views.upload, name="upload"),
]
