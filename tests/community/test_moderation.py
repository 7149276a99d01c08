"""Staff moderation: hide, merge, edit and reports."""

from __future__ import annotations

import pytest

from successhub.community import services
from successhub.community.errors import Forbidden
from successhub.community.models import Answer, Comment, Report


def test_merge_moves_answers_and_comments_and_redirects(client, people, make_question):
    target = make_question(
        people.customer, title="星空结账提示损益未结平", answers=[(people.engineer, "先调汇后结转")]
    )
    source = make_question(
        people.colleague,
        title="结账报损益类科目余额不为零",
        answers=[(people.engineer, "重新结转损益"), (people.customer, "我也是")],
    )
    services.add_comment(people.customer, source, "同问")
    services.accept_answer(people.engineer, target.answers.get())
    services.accept_answer(people.engineer, source.answers.get(body="重新结转损益"))

    services.merge_questions(people.engineer, source, target)

    assert set(target.answers.values_list("body", flat=True)) == {"先调汇后结转", "重新结转损益", "我也是"}
    assert Answer.objects.filter(question=target, is_accepted=True).count() == 1
    assert Comment.objects.get(body="同问").question == target
    target.refresh_from_db()
    assert target.answer_count == 3
    response = client.get(f"/community/questions/{source.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/community/questions/{target.pk}/"


def test_merge_through_the_page(client, people, make_question):
    target = make_question(people.customer, answers=[(people.engineer, "答")])
    source = make_question(people.customer, answers=[(people.engineer, "另一个答")])
    client.force_login(people.engineer)
    assert client.get(f"/community/questions/{source.pk}/merge/").status_code == 200
    response = client.post(f"/community/questions/{source.pk}/merge/", {"target": target.pk})
    assert response.status_code == 302
    assert target.answers.count() == 2


@pytest.mark.parametrize(
    "action",
    ["merge", "hide", "resolve"],
    ids=["customers_cannot_merge", "customers_cannot_hide", "customers_cannot_resolve"],
)
def test_moderation_is_for_staff(people, make_question, action):
    question = make_question(people.customer)
    other = make_question(people.customer)
    report = services.report_content(people.colleague, question, "广告")
    with pytest.raises(Forbidden):
        if action == "merge":
            services.merge_questions(people.customer, question, other)
        elif action == "hide":
            services.hide_content(people.customer, question)
        else:
            services.resolve_report(people.customer, report, hide=True)


def test_moderation_pages_are_for_staff(client, people, make_question):
    question = make_question(people.customer)
    client.force_login(people.customer)
    assert client.get("/community/moderation/").status_code == 403
    assert client.get(f"/community/questions/{question.pk}/edit/").status_code == 403
    client.force_login(people.engineer)
    assert client.get("/community/moderation/").status_code == 200


def test_report_then_hide_resolves_the_report(client, people, make_question):
    question = make_question(people.customer, title="广告帖")
    client.force_login(people.colleague)
    client.post("/community/report/", {"kind": "question", "id": question.pk, "reason": "广告"})
    report = Report.objects.get()
    assert report.target == question and report.status == "open"
    client.force_login(people.engineer)
    assert "广告" in client.get("/community/moderation/").content.decode()
    client.post("/community/moderation/", {"report": report.pk, "action": "hide"})
    report.refresh_from_db()
    question.refresh_from_db()
    assert report.status == "resolved" and question.is_hidden


def test_dismissing_a_report_leaves_the_content(people, make_question):
    question = make_question(people.customer)
    report = services.report_content(people.colleague, question, "看不惯")
    services.resolve_report(people.engineer, report, hide=False)
    question.refresh_from_db()
    assert report.status == "dismissed" and not question.is_hidden


def test_reporting_twice_keeps_one_open_report(people, make_question):
    question = make_question(people.customer)
    services.report_content(people.colleague, question, "广告")
    services.report_content(people.colleague, question, "广告")
    assert Report.objects.count() == 1


def test_staff_hide_and_unhide_through_the_page(client, people, make_question):
    question = make_question(people.customer)
    client.force_login(people.engineer)
    client.post("/community/moderation/hide/", {"kind": "question", "id": question.pk, "hidden": "1"})
    question.refresh_from_db()
    assert question.is_hidden
    client.post("/community/moderation/hide/", {"kind": "question", "id": question.pk, "hidden": "0"})
    question.refresh_from_db()
    assert not question.is_hidden


def test_staff_edit_a_question(client, people, make_question):
    question = make_question(people.customer, title="旧标题")
    client.force_login(people.engineer)
    client.post(
        f"/community/questions/{question.pk}/edit/",
        {"title": "新标题", "body": "新内容", "product": "galaxy", "tags": "结账，月结"},
    )
    question.refresh_from_db()
    assert question.title == "新标题" and question.product.code == "galaxy"
    assert sorted(question.tags.values_list("name", flat=True)) == ["月结", "结账"]
