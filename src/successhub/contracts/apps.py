from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "successhub.contracts"
    verbose_name = _("产品、部署与合同")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_products, sender=self)


def _ensure_products(sender, using="default", **kwargs) -> None:
    from successhub.contracts.services import ensure_catalog_products

    ensure_catalog_products(using)
