from django.urls import path

from . import views

app_name = "rights"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.register_request, name="register"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/do/<slug:name>/", views.action, name="action"),
    path("<str:ref>/tasks/<int:task>/", views.task_update, name="task"),
    path("<str:ref>/tasks/<int:task>/rows/", views.task_rows, name="task_rows"),
    path("<str:ref>/tasks/<int:task>/connector/", views.task_connector, name="task_connector"),
    path("<str:ref>/packages/<int:package>/", views.package_hand_over, name="package"),
]
