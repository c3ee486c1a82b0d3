from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("", views.index, name="index"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/preview/", views.site_preview, name="preview"),
    path("sites/<int:pk>/ledger.csv", views.site_export, name="export"),
    path("newsletters/<int:pk>/", views.newsletter_detail, name="newsletter"),
    path("newsletters/<int:pk>/subscribers.csv", views.newsletter_subscribers_export, name="subscribers_csv"),
    path("newsletters/<int:pk>/ledger.csv", views.newsletter_events_export, name="newsletter_csv"),
]
