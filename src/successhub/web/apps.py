from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "successhub.web"
    verbose_name = "门户"
