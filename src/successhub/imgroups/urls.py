from django.urls import path

from successhub.imgroups import views

app_name = "imgroups"

urlpatterns = [
    path("me/im-group/", views.portal, name="portal"),
    path("workspace/im-groups/", views.workspace, name="workspace"),
    path("workspace/im-groups/<int:group_id>/", views.workspace_group, name="workspace_group"),
    path(
        "workspace/im-groups/<int:group_id>/vendor/<int:membership_id>/remove/",
        views.remove_vendor,
        name="remove_vendor",
    ),
    path("im/callback/<slug:tool>/<str:key>/", views.callback, name="callback"),
]
