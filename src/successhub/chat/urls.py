from django.urls import path

from successhub.chat import views

app_name = "chat"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("leave-message/", views.leave_message, name="leave_message"),
    path("<int:session_id>/", views.session_page, name="session"),
    path("<int:session_id>/state/", views.session_state, name="state"),
    path("<int:session_id>/end/", views.end_session, name="end"),
    path("<int:session_id>/rate/", views.rate_session, name="rate"),
    path("<int:session_id>/upload/", views.upload, name="upload"),
    path("files/<int:message_id>/", views.attachment, name="file"),
    path("agent/", views.console, name="console"),
    path("agent/queue/", views.console_queue, name="console_queue"),
    path("agent/presence/", views.presence, name="presence"),
    path("agent/<int:session_id>/", views.agent_session, name="agent_session"),
    path("agent/<int:session_id>/accept/", views.accept, name="accept"),
    path("agent/<int:session_id>/transfer/", views.transfer, name="transfer"),
    path("agent/<int:session_id>/ticket/", views.to_ticket, name="to_ticket"),
    path("transcripts/", views.transcripts, name="transcripts"),
]
