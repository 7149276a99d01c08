from django.apps import AppConfig


class ImgroupsConfig(AppConfig):
    name = "successhub.imgroups"
    verbose_name = "专属 IM 服务群"
