from django.urls import path

from . import public_views as views

app_name = "consent_public"
urlpatterns = [
    path("c/<str:key>.js", views.banner_script, name="script"),
    path("c/<str:key>/receipt/<str:consent_id>", views.receipt, name="receipt"),
    path("api/consent", views.consent_api, name="api"),
    path("api/consent/health", views.health, name="health"),
    path("c/n/<str:key>/", views.newsletter_form, name="newsletter_form"),
    path("c/n/confirm/<str:token>", views.newsletter_confirm, name="newsletter_confirm"),
    path("c/n/u/<str:token>", views.newsletter_unsubscribe, name="newsletter_unsubscribe"),
]
