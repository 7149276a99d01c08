"""Innovation square (需求聆听): channels by plan, the status flow, and who hears about changes."""

from __future__ import annotations

import json

import pytest

from successhub.community import services
from successhub.community.errors import Forbidden, InvalidInput, InvalidTransition, NotEligible
from successhub.community.models import Idea, IdeaStatusChange
from successhub.notifications.models import Notification

CHANNEL_CASES = [
    ("standard", "innovation_square", True),
    ("standard", "bot", False),
    ("standard", "hotline", False),
    ("standard", "ticket_site", False),
    ("advanced", "innovation_square", True),
    ("advanced", "bot", True),
    ("advanced", "hotline", True),
    ("advanced", "ticket_site", True),
]


@pytest.mark.parametrize(
    "plan, channel, allowed",
    CHANNEL_CASES,
    ids=[f"{p}-{c}-{'allowed' if a else 'refused'}" for p, c, a in CHANNEL_CASES],
)
def test_idea_channels_follow_the_plan(people, plan, channel, allowed):
    organisation = people.advanced_org if plan == "advanced" else people.standard_org
    if allowed:
        idea = services.propose_idea(people.engineer, "galaxy", "需求", "描述", channel, organisation)
        assert idea.channel == channel and idea.organisation == organisation
    else:
        with pytest.raises(NotEligible) as refused:
            services.propose_idea(people.engineer, "galaxy", "需求", "描述", channel, organisation)
        assert refused.value.code == "channel_not_eligible"
        assert not Idea.objects.exists()


def test_standard_customer_proposes_in_the_square_only_over_the_api(client, people):
    client.force_login(people.standard_customer)
    url = "/api/v1/community/ideas"
    bot = client.post(
        url, json.dumps({"title": "需求", "description": "描述", "channel": "bot"}), "application/json"
    )
    assert bot.status_code == 403 and bot.json()["code"] == "channel_not_eligible"
    square = client.post(url, json.dumps({"title": "需求", "description": "描述"}), "application/json")
    assert square.status_code == 201 and square.json()["status"] == "submitted"


def test_a_customer_proposes_for_their_own_organisation_only(people):
    with pytest.raises(Forbidden):
        services.propose_idea(people.customer, None, "需求", "描述", organisation=people.standard_org)
    idea = services.propose_idea(people.customer, None, "需求", "描述")
    assert idea.organisation == people.advanced_org


def test_staff_must_name_the_organisation(people):
    with pytest.raises(InvalidInput) as refused:
        services.propose_idea(people.engineer, None, "需求", "描述", "hotline")
    assert refused.value.code == "organisation_required"


VALID_PATHS = [
    ["under_review", "planned", "released"],
    ["declined"],
    ["under_review", "declined"],
    ["under_review", "planned", "declined"],
]


@pytest.mark.parametrize("path", VALID_PATHS, ids=["->".join(p) for p in VALID_PATHS])
def test_valid_status_paths_record_each_change(people, path):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    for status in path:
        services.change_idea_status(people.engineer, idea, status, f"回复：{status}")
    idea.refresh_from_db()
    assert idea.status == path[-1]
    assert idea.official_response == f"回复：{path[-1]}"
    changes = list(
        IdeaStatusChange.objects.filter(idea=idea).values_list("from_status", "to_status", "response")
    )
    froms = ["submitted", *path[:-1]]
    assert changes == [(f, t, f"回复：{t}") for f, t in zip(froms, path, strict=True)]


INVALID = [
    ("submitted", "planned"),
    ("submitted", "released"),
    ("submitted", "submitted"),
    ("under_review", "released"),
    ("under_review", "submitted"),
    ("planned", "under_review"),
    ("released", "declined"),
    ("released", "planned"),
    ("declined", "under_review"),
]
TO_REACH = {
    "submitted": [],
    "under_review": ["under_review"],
    "planned": ["under_review", "planned"],
    "released": ["under_review", "planned", "released"],
    "declined": ["declined"],
}


@pytest.mark.parametrize("start, target", INVALID, ids=[f"{a}-to-{b}-refused" for a, b in INVALID])
def test_invalid_status_changes_are_refused_with_a_clear_message(people, start, target):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    for status in TO_REACH[start]:
        services.change_idea_status(people.engineer, idea, status, "原因")
    before = IdeaStatusChange.objects.count()
    with pytest.raises(InvalidTransition) as refused:
        services.change_idea_status(people.engineer, idea, target, "回复")
    assert "不能从" in str(refused.value)
    idea.refresh_from_db()
    assert idea.status == start and IdeaStatusChange.objects.count() == before


def test_only_staff_change_status_and_declining_needs_a_response(people):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    with pytest.raises(Forbidden):
        services.change_idea_status(people.customer, idea, "under_review")
    with pytest.raises(InvalidInput):
        services.change_idea_status(people.engineer, idea, "declined", "")


def test_status_change_notifies_each_voter_once_and_the_proposer_not_bystanders(people, make_user):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    services.vote(people.colleague, idea)
    services.vote(people.standard_customer, idea)
    services.vote(people.customer, idea)  # the proposer also voted: still one notification
    bystander = make_user(people.standard_org)
    withdrawn = make_user(people.standard_org)
    services.vote(withdrawn, idea)
    services.vote(withdrawn, idea)  # voted, then withdrew

    services.change_idea_status(people.engineer, idea, "under_review", "正在评估")

    notified = list(Notification.objects.filter(kind="idea_status").values_list("recipient_id", flat=True))
    assert sorted(notified) == sorted([people.customer.pk, people.colleague.pk, people.standard_customer.pk])
    assert (
        bystander.pk not in notified and withdrawn.pk not in notified and people.engineer.pk not in notified
    )
    note = Notification.objects.filter(recipient=people.colleague).get()
    assert "评估中" in note.title and "正在评估" in note.body and note.url == f"/ideas/{idea.pk}/"


def test_every_status_change_notifies_again(people):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    services.vote(people.colleague, idea)
    for status in ["under_review", "planned", "released"]:
        services.change_idea_status(people.engineer, idea, status, "进展")
    assert Notification.objects.filter(kind="idea_status", recipient=people.colleague).count() == 3


def test_status_change_over_the_api(client, people):
    idea = services.propose_idea(people.customer, "galaxy", "需求", "描述")
    client.force_login(people.engineer)
    url = f"/api/v1/community/ideas/{idea.pk}/status"
    bad = client.post(url, json.dumps({"status": "released"}), "application/json")
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_transition"
    good = client.post(url, json.dumps({"status": "under_review", "response": "评估中"}), "application/json")
    assert good.status_code == 200
    assert good.json()["history"][0]["to_status"] == "under_review"


def test_ideas_list_sorted_by_votes_and_filtered(client, people):
    low = services.propose_idea(people.customer, "galaxy", "少票需求", "描述")
    high = services.propose_idea(people.customer, "cosmic", "多票需求", "描述")
    services.vote(people.colleague, high)
    listed = client.get("/api/v1/community/ideas").json()
    assert [i["id"] for i in listed] == [high.pk, low.pk]
    assert [i["id"] for i in client.get("/api/v1/community/ideas?product=galaxy").json()] == [low.pk]
    services.change_idea_status(people.engineer, low, "under_review")
    assert [i["id"] for i in client.get("/api/v1/community/ideas?status=under_review").json()] == [low.pk]


def test_idea_page_shows_history_and_staff_status_form(client, people):
    idea = services.propose_idea(people.customer, "galaxy", "结账检查清单", "描述")
    services.change_idea_status(people.engineer, idea, "under_review", "已进入评估")
    page = client.get(f"/ideas/{idea.pk}/").content.decode()
    assert "已进入评估" in page and "评估中" in page and "更新并通知投票用户" not in page
    client.force_login(people.engineer)
    page = client.get(f"/ideas/{idea.pk}/").content.decode()
    assert "更新并通知投票用户" in page
    response = client.post(f"/ideas/{idea.pk}/status/", {"status": "planned", "response": "已规划"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == "planned"
