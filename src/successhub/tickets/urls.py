from django.urls import path

from successhub.tickets import views

app_name = "tickets"

urlpatterns = [
    path("tickets/", views.portal_list, name="portal_list"),
    path("tickets/new/", views.portal_new, name="portal_new"),
    path("tickets/new/check/", views.portal_check, name="portal_check"),
    path("tickets/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("tickets/<str:number>/", views.portal_detail, name="portal_detail"),
    path("tickets/<str:number>/reply/", views.portal_reply, name="portal_reply"),
    path("tickets/<str:number>/upload/", views.portal_upload, name="portal_upload"),
    path("tickets/<str:number>/status/", views.portal_status, name="portal_status"),
    path("tickets/<str:number>/rate/", views.portal_rate, name="portal_rate"),
    path("tickets/<str:number>/withdraw/", views.portal_withdraw, name="portal_withdraw"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/skills/", views.workspace_skills, name="workspace_skills"),
    path("workspace/skills/add/", views.workspace_skill_add, name="workspace_skill_add"),
    path(
        "workspace/skills/<int:skill_id>/active/", views.workspace_skill_active, name="workspace_skill_active"
    ),
    path(
        "workspace/skills/<int:skill_id>/remove/", views.workspace_skill_remove, name="workspace_skill_remove"
    ),
    path("workspace/tickets/<str:number>/", views.workspace_detail, name="workspace_detail"),
    path("workspace/tickets/<str:number>/reply/", views.workspace_reply, name="workspace_reply"),
    path("workspace/tickets/<str:number>/status/", views.workspace_status, name="workspace_status"),
    path("workspace/tickets/<str:number>/assign/", views.workspace_assign, name="workspace_assign"),
    path("workspace/tickets/<str:number>/contact/", views.workspace_contact, name="workspace_contact"),
    path("workspace/tickets/<str:number>/merge/", views.workspace_merge, name="workspace_merge"),
]
