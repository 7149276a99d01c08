from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from successhub.api.urls import api
from successhub.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/entitlements/", views.entitlements, name="entitlements"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("me/verify/", views.verify, name="verify"),
    path("staff/catalog/", views.staff_catalog, name="staff_catalog"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
# Apps added by later capabilities append their URL includes here.
EXTRA_URLPATTERNS: list = [
    path("notifications/", include("successhub.notifications.urls")),
    path("", include("successhub.tickets.urls")),
    path("", include("successhub.search.urls")),
    path("assistant/", include("successhub.assistant.urls")),
    path("", include("successhub.community.urls")),
    path("me/", include("successhub.accounts.urls")),
    path("ops/", include("successhub.ops.urls")),
    path("", include("successhub.observability.urls")),
    path("hotline/", include("successhub.hotline.urls")),
    path("success/", include("successhub.success.urls")),
    path("chat/", include("successhub.chat.urls")),
    path("updates/", include("successhub.updates.urls")),
    path("", include("successhub.imgroups.urls")),
]
urlpatterns += EXTRA_URLPATTERNS
# Uploaded files are private: they are served only through views that check who may see them.

# Friendly error pages in the page's language, with the portal's navigation (web/templates/web/error.html).
handler400 = "successhub.web.views.bad_request"
handler403 = "successhub.web.views.permission_denied"
handler404 = "successhub.web.views.page_not_found"
handler500 = "successhub.web.views.server_error"

admin.site.site_header = "SuccessHub 后台管理"
admin.site.site_title = "SuccessHub"
