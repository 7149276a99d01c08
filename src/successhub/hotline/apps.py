from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "successhub.hotline"
    verbose_name = _("热线服务")
