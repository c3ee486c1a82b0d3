from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.preview, name="preview"),
    path("publish/", views.publish, name="publish"),
    path("fixes/", views.fixes, name="fixes"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:number>/", views.version_detail, name="version"),
    path("embed/", views.embed, name="embed"),
]
