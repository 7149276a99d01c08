from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "successhub.notifications"
    verbose_name = "通知与集成"
