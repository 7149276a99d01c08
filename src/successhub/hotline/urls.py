from django.urls import path

from successhub.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("screen/", views.screen, name="screen"),
    path("screen/take/", views.take, name="take"),
    path("screen/send-code/", views.send_code, name="send_code"),
    path("screen/confirm-code/", views.confirm_code, name="confirm_code"),
    path("calls/", views.call_list, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("calls/<int:call_id>/ticket/", views.call_ticket, name="call_ticket"),
    path("calls/<int:call_id>/idea/", views.call_idea, name="call_idea"),
    path("calls/<int:call_id>/end/", views.call_end, name="call_end"),
    path("cti/events", views.cti_events, name="cti_events"),
    path("ivr/turn", views.ivr_turn, name="ivr_turn"),
]
