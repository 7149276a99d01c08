from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpdatesConfig(AppConfig):
    name = "successhub.updates"
    verbose_name = _("补丁下载与许可升级")
