from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    # The periodic SLA jobs in tasks.py register themselves when the scheduler discovers them.
    name = "successhub.tickets"
    verbose_name = _("在线工单")
