from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "successhub.chat"
    verbose_name = _("IM 人工服务")
