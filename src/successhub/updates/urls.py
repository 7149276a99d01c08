from django.urls import path

from successhub.updates import views

app_name = "updates"

urlpatterns = [
    path("", views.index, name="index"),
    path("packages/<int:package_id>/", views.package, name="package"),
    path("packages/<int:package_id>/download/", views.download, name="download"),
    path("files/<str:token>/<str:name>", views.file, name="file"),
    path("subscriptions/", views.subscribe, name="subscribe"),
    path("plan/", views.plan, name="plan"),
    path("plan/<int:organisation_id>/", views.plan, name="plan_for"),
    path("licenses/", views.licenses, name="licenses"),
    path("licenses/<str:number>/file/", views.license_file, name="license_file"),
    path("licenses/<str:number>/apply/", views.apply, name="apply"),
    path("upgrades/", views.upgrades, name="upgrades"),
    path("staff/packages/", views.staff_packages, name="staff_packages"),
    path("staff/packages/upload/", views.staff_upload, name="staff_upload"),
    path("staff/packages/<int:package_id>/", views.staff_package_action, name="staff_package_action"),
]
