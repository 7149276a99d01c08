from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "successhub.assistant"
    verbose_name = "智能客服"
