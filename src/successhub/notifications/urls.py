from django.urls import path

from successhub.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("badge/", views.unread_badge, name="badge"),
    path("robots/", views.robots_page, name="robots"),
]
