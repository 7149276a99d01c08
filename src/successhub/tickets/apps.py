from django.apps import AppConfig


class TicketsConfig(AppConfig):
    # The periodic SLA jobs in tasks.py register themselves when the scheduler discovers them.
    name = "successhub.tickets"
    verbose_name = "在线工单"
