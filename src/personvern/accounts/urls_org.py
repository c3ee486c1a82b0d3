from django.urls import path

from . import views_org

app_name = "accounts_org"
urlpatterns = [
    path("", views_org.members, name="members"),
    path("<int:pk>/", views_org.member_update, name="member_update"),
]
