from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "successhub.search"
    verbose_name = "全文搜索"

    def ready(self) -> None:
        from successhub.search import indexing

        indexing.connect_signals()
