from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "successhub.community"
    verbose_name = "金蝶云社区与创新广场"
