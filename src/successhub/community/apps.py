from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "successhub.community"
    verbose_name = _("金蝶云社区与创新广场")
