from django.urls import path

from successhub.success import views

app_name = "success"

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.mine, name="mine"),
    path("calendar/", views.moment_calendar, name="calendar"),
    path("org/<slug:code>/", views.organisation, name="organisation"),
    path("org/<slug:code>/events/", views.event_open, name="event_open"),
    path("org/<slug:code>/analyses/", views.analysis_generate, name="analysis_generate"),
    path("org/<slug:code>/reports/", views.report_generate, name="report_generate"),
    path("escalations/raise/", views.escalation_raise, name="escalation_raise"),
    path("escalations/<int:pk>/", views.escalation, name="escalation"),
    path("events/<int:pk>/", views.event, name="event"),
    path("analyses/<int:pk>/", views.analysis, name="analysis"),
    path("moments/new/", views.moment_new, name="moment_new"),
    path("moments/<int:pk>/", views.moment, name="moment"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("checks/propose/", views.check_propose, name="check_propose"),
    path("checks/<int:pk>/", views.check, name="check"),
    path("checks/<int:pk>/<str:kind>.pdf", views.check_pdf, name="check_pdf"),
]
