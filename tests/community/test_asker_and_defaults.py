"""The asker hears of answers; the posting forms default to the customer's own product."""

from __future__ import annotations

import re

import pytest

from successhub.community import services
from successhub.notifications.models import Notification
from tests.web.visible import machine_codes

pytestmark = pytest.mark.django_db


def test_the_asker_is_notified_of_each_answer_but_their_own(people, make_question, client):
    question = make_question(people.customer, title="凭证断号怎么处理")
    answer = services.answer_question(people.engineer, question, "在凭证整理中重排凭证号即可。")
    services.answer_question(people.customer, question, "补充：是上月的凭证。")
    notices = list(Notification.objects.filter(recipient=people.customer))
    assert [n.kind for n in notices] == ["community_answer"]
    assert "凭证断号怎么处理" in notices[0].title
    assert notices[0].url.endswith(f"#answer-{answer.pk}")
    client.force_login(people.customer)
    preferences = client.get("/notifications/preferences/").content.decode()
    assert "社区问题有新回答" in preferences and machine_codes(preferences) == []


def _selected_product(html: str) -> str:
    select = html[html.index('name="product"') :]
    select = select[: select.index("</select>")]
    found = re.search(r'<option value="([^"]*)" selected', select)
    return found.group(1) if found else ""


@pytest.mark.parametrize("path", ["/community/questions/new/", "/ideas/new/"])
def test_the_forms_default_to_the_customers_product(client, people, path):
    client.force_login(people.standard_customer)  # the Standard organisation runs 苍穹 (cosmic)
    assert _selected_product(client.get(path).content.decode()) == "cosmic"
    assert _selected_product(client.get(path, {"product": "galaxy"}).content.decode()) == "galaxy"
