from django.urls import path

from successhub.assistant import views

app_name = "assistant"

urlpatterns = [
    path("ask", views.ask_view, name="ask"),
    path("rate", views.rate_view, name="rate"),
    path("handoff", views.handoff_view, name="handoff"),
    path("insights/", views.insights, name="insights"),
    path("insights/<int:message_id>/faq", views.make_faq, name="make_faq"),
    path("insights/<int:message_id>/dismiss", views.dismiss, name="dismiss"),
]
