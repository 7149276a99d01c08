from django.apps import AppConfig


class SuccessConfig(AppConfig):
    name = "successhub.success"
    label = "success"
    verbose_name = "价值提升服务"
