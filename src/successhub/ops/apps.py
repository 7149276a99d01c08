from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "successhub.ops"
    label = "ops"
    verbose_name = "公有云运维"

    def ready(self) -> None:
        from successhub.ops import signals  # noqa: F401
