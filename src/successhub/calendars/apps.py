from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "successhub.calendars"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from successhub.calendars.services import ensure_bundled_years

        post_migrate.connect(
            lambda sender, **kwargs: ensure_bundled_years(kwargs.get("using", "default")), sender=self
        )
