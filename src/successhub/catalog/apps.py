from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "successhub.catalog"
    verbose_name = "服务目录"
