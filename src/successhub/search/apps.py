from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "successhub.search"
    verbose_name = _("全文搜索")

    def ready(self) -> None:
        from successhub.search import indexing

        indexing.connect_signals()
