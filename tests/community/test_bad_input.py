"""Bad input and concurrency on community pages: 4xx, never 500 (issue 11)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections

from successhub.community import services
from successhub.community.errors import RateLimited
from successhub.community.markup import render_markdown
from successhub.community.models import Answer, Question, Vote

HUGE = str(10**20)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/community/questions/?page={10**18}",
        "/community/questions/?page=²",
        f"/ideas/?page={10**18}",
        f"/kb/?page={HUGE}",
        f"/community/questions/{HUGE}/",
        f"/ideas/{HUGE}/",
        f"/search/?q=凭证&page={10**18}",
        "/search/?q=凭证&page=²",
    ],
)
def test_lists_and_details_with_unbounded_numbers_never_500(client, url):
    assert client.get(url).status_code in (200, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("answer", [HUGE, "²", "abc", "0"])
def test_a_comment_on_an_impossible_answer_is_not_found(client, people, make_question, answer):
    question = make_question(people.colleague)
    client.force_login(people.customer)
    response = client.post(f"/community/questions/{question.pk}/comment/", {"answer": answer, "body": "同问"})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["id"])
@pytest.mark.parametrize("value", [HUGE, "²", "-1"])
def test_vote_and_report_with_impossible_ids_are_not_found(client, people, field, value):
    client.force_login(people.customer)
    for url in ("/community/vote/", "/community/report/"):
        response = client.post(url, {"kind": "question", field: value, "value": "1", "reason": "x"})
        assert response.status_code == 404, url


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("[a](//evil.example/x)", False),  # protocol-relative: another site
        ("[a](javascript:alert(1))", False),
        ("[a](/kb/guide/)", True),
        ("[a](https://example.com/x)", True),
        ("[a](http://example.com/x)", True),
    ],
)
def test_only_same_site_paths_and_http_urls_become_links(text, linked):
    assert ("<a " in render_markdown(text)) is linked


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_votes_never_hit_the_unique_constraint(people, make_question):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    question = make_question(people.colleague)
    voters = 8
    barrier = threading.Barrier(voters)
    errors: list[BaseException] = []

    def vote() -> None:
        try:
            barrier.wait()
            services.vote(people.customer, Question.objects.get(pk=question.pk), 1)
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote) for _ in range(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [e for e in errors if isinstance(e, IntegrityError)], errors
    assert not errors, errors
    # Voting the same way again withdraws: an even number of identical votes leaves none.
    assert Vote.objects.filter(user=people.customer, question=question).count() == 0
    question.refresh_from_db()
    assert question.score == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_never_beat_the_posting_limit(people, make_question, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent posting is tested on PostgreSQL (set DATABASE_URL)")
    settings.COMMUNITY_POST_LIMIT = 10
    question = make_question(people.colleague)
    attempts = 40
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        try:
            barrier.wait()
            services.answer_question(people.customer, Question.objects.get(pk=question.pk), f"回答 {n}")
            result = "posted"
        except RateLimited:
            result = "limited"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("posted") == 10, outcomes
    assert Answer.objects.filter(author=people.customer).count() == 10


@pytest.mark.django_db
def test_posting_over_the_limit_is_refused_and_saves_nothing(people, make_question, settings):
    settings.COMMUNITY_POST_LIMIT = 2
    question = make_question(people.colleague)
    services.answer_question(people.customer, question, "一")
    services.answer_question(people.customer, question, "二")
    with pytest.raises(RateLimited):
        services.answer_question(people.customer, question, "三")
    assert Answer.objects.filter(author=people.customer).count() == 2


@pytest.mark.django_db
def test_a_refused_post_does_not_use_up_the_limit(people, make_question, settings):
    settings.COMMUNITY_POST_LIMIT = 1
    question = make_question(people.colleague)
    with pytest.raises(services.InvalidInput):
        services.answer_question(people.customer, question, "   ")
    services.answer_question(people.customer, question, "有效回答")
