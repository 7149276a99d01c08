import pytest

from successhub.demo import foundation
from successhub.demo import tickets as demo_tickets
from successhub.tickets.models import Status, Ticket


@pytest.mark.django_db
def test_demo_tickets_load_once_in_various_states():
    foundation.load()
    assert demo_tickets.load()
    count = Ticket.objects.count()
    assert count == 12
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.WAITING_ON_CUSTOMER,
        Status.RESOLVED,
        Status.CLOSED,
    } <= statuses
    assert demo_tickets.load() == []
    assert Ticket.objects.count() == count
