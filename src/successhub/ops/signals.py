"""Every public-cloud deployment has its environment: kept in step when deployments change."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from successhub.contracts.models import Deployment


@receiver(post_save, sender=Deployment, dispatch_uid="ops.sync_environment")
def _deployment_saved(sender, instance: Deployment, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from successhub.ops.services import sync_environment

    sync_environment(instance)


@receiver(pre_delete, sender=Deployment, dispatch_uid="ops.retire_environment")
def _deployment_deleted(sender, instance: Deployment, **kwargs) -> None:
    """The environment outlives its deployment, retired: its incidents and reports stay readable."""
    from successhub.ops.models import Environment
    from successhub.ops.services import retire_environment

    for environment in Environment.objects.filter(deployment=instance, retired_at__isnull=True):
        retire_environment(environment)
