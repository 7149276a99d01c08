from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "successhub.security"
    verbose_name = _("安全防护")

    def ready(self) -> None:
        from successhub.security import throttle  # noqa: F401  (connects the unlock signal)
