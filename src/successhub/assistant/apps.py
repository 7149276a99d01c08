from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "successhub.assistant"
    verbose_name = _("智能客服")
