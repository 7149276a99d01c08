from django.urls import path

from successhub.ops import views

app_name = "ops"
urlpatterns = [
    path("", views.index, name="index"),
    path("environments/<slug:code>/", views.environment, name="environment"),
    path("advisories/<slug:code>/", views.advisory, name="advisory"),
    path("advisories/<slug:code>/<int:row_id>/", views.advisory_row, name="advisory_row"),
    path("windows/", views.plan_window, name="plan_window"),
    path("advisories/", views.publish_advisory, name="publish_advisory"),
]
