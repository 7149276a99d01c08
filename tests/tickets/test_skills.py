"""Engineer skills in the workspace: service admins add, pause, resume and remove; other staff only look;
round-robin assignment follows what the page set."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.contracts.models import Product
from successhub.tickets import selectors
from successhub.tickets.errors import ActionNotAllowed, InvalidInput, TicketError
from successhub.tickets.models import EngineerSkill, Status
from successhub.tickets.services import assignment

from .conftest import beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def galaxy():
    return Product.objects.get(code="galaxy")


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.SERVICE_ADMIN, username="service-admin")


@pytest.fixture
def skill(engineer, galaxy):
    return EngineerSkill.objects.get(engineer=engineer, product=galaxy)


# --- who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may"),
    [
        pytest.param(Role.SERVICE_ADMIN, True, id="service_admin_manages"),
        pytest.param(Role.SUPPORT_ENGINEER, False, id="engineer_only_looks"),
        pytest.param(Role.TECHNICAL_MANAGER, False, id="technical_manager_only_looks"),
        pytest.param(Role.CUSTOMER_ADMIN, False, id="customer_admin_is_no_service_admin"),
    ],
)
def test_who_manages_skills(make_user, make_org, role, may):
    organisation = make_org() if role == Role.CUSTOMER_ADMIN else None
    assert assignment.can_manage_skills(make_user(organisation, role=role)) is may


def test_an_inactive_service_admin_does_not_manage(make_user):
    assert assignment.can_manage_skills(make_user(role=Role.SERVICE_ADMIN, is_active=False)) is False


def test_engineer_cannot_change_skills_through_the_services(engineer, skill, galaxy, make_user):
    other = make_user(role=Role.SUPPORT_ENGINEER)
    for change in (
        lambda: assignment.add_skill(engineer, engineer_id=other.pk, product_id=galaxy.pk),
        lambda: assignment.set_skill_active(engineer, skill, False),
        lambda: assignment.remove_skill(engineer, skill),
    ):
        with pytest.raises(ActionNotAllowed):
            change()
    assert list(EngineerSkill.objects.values_list("engineer", "active")) == [(engineer.pk, True)]


def test_admin_adds_pauses_resumes_and_removes(admin, engineer, skill, galaxy, make_user):
    other = make_user(role=Role.SUPPORT_ENGINEER)
    added = assignment.add_skill(admin, engineer_id=other.pk, product_id=galaxy.pk, active=False)
    assert (added.engineer, added.product, added.active) == (other, galaxy, False)
    assignment.set_skill_active(admin, added, True)
    assert EngineerSkill.objects.get(pk=added.pk).active is True
    assignment.remove_skill(admin, skill)
    assert list(EngineerSkill.objects.values_list("engineer", flat=True)) == [other.pk]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("customer", "not_an_engineer", id="customers_take_no_tickets"),
        pytest.param("inactive", "not_an_engineer", id="inactive_staff_take_no_tickets"),
        pytest.param("nobody", "not_an_engineer", id="unknown_user"),
    ],
)
def test_skills_are_for_active_staff(admin, galaxy, customer, make_user, who, code):
    engineer_id = {
        "customer": lambda: customer.pk,
        "inactive": lambda: make_user(role=Role.SUPPORT_ENGINEER, is_active=False).pk,
        "nobody": lambda: 0,
    }[who]()
    with pytest.raises(InvalidInput) as refused:
        assignment.add_skill(admin, engineer_id=engineer_id, product_id=galaxy.pk)
    assert refused.value.code == code
    assert not EngineerSkill.objects.exists()


def test_one_skill_per_engineer_and_product(admin, engineer, galaxy):
    with pytest.raises(TicketError) as refused:
        assignment.add_skill(admin, engineer_id=engineer.pk, product_id=galaxy.pk)
    assert (refused.value.code, refused.value.status) == ("skill_exists", 409)
    assert EngineerSkill.objects.count() == 1


# --- what round-robin does with them -------------------------------------------------------------------


def test_a_paused_skill_is_skipped_by_round_robin_until_resumed(
    file_ticket, admin, engineer, skill, galaxy, make_user
):
    other = make_user(role=Role.SUPPORT_ENGINEER)
    assignment.add_skill(admin, engineer_id=other.pk, product_id=galaxy.pk)
    assignment.set_skill_active(admin, skill, False)
    assignees = {file_ticket(now=beijing(2026, 11, 23, 10, n)).assignee for n in range(3)}
    assert assignees == {other}
    assignment.set_skill_active(admin, skill, True)
    # ``engineer`` was never picked while paused: now the least recently assigned, it comes next.
    assert file_ticket(now=beijing(2026, 11, 23, 11, 0)).assignee == engineer


def test_with_every_skill_paused_new_tickets_stay_unassigned(file_ticket, admin, skill):
    assignment.set_skill_active(admin, skill, False)
    ticket = file_ticket()
    assert (ticket.status, ticket.assignee) == (Status.NEW, None)
    assert "galaxy" in {p.code for p in selectors.skill_board().uncovered}


def test_a_removed_skill_takes_no_more_tickets(file_ticket, admin, skill):
    assignment.remove_skill(admin, skill)
    assert file_ticket().assignee is None


# --- the page ---------------------------------------------------------------------------------------


def test_customers_are_refused_and_anonymous_users_sent_to_login(client, customer, skill):
    client.force_login(customer)
    assert client.get("/workspace/skills/").status_code == 403
    assert client.post(f"/workspace/skills/{skill.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post(f"/workspace/skills/{skill.pk}/remove/").status_code == 403
    assert (
        client.post(
            "/workspace/skills/add/", {"engineer": customer.pk, "product": skill.product_id}
        ).status_code
        == 403
    )
    client.logout()
    response = client.get("/workspace/skills/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert EngineerSkill.objects.get().active is True


def test_engineer_sees_the_skills_read_only(client, engineer, skill, galaxy, make_user):
    client.force_login(engineer)
    page = client.get("/workspace/skills/").content.decode()
    assert f'data-skill="{skill.pk}"' in page and str(engineer) in page
    assert 'data-testid="read-only"' in page
    assert 'data-testid="add-skill"' not in page and 'data-testid="toggle-skill"' not in page
    other = make_user(role=Role.SUPPORT_ENGINEER)
    refused = client.post("/workspace/skills/add/", {"engineer": other.pk, "product": galaxy.pk})
    assert refused.status_code == 403 and "只有服务管理员" in refused.content.decode()
    assert client.post(f"/workspace/skills/{skill.pk}/active/", {"active": "0"}).status_code == 403
    assert client.post(f"/workspace/skills/{skill.pk}/remove/").status_code == 403
    assert list(EngineerSkill.objects.values_list("engineer", "active")) == [(engineer.pk, True)]


def test_admin_manages_skills_on_the_page(client, admin, engineer, skill, galaxy, make_user):
    other = make_user(role=Role.SUPPORT_ENGINEER, display_name="新人工程师")
    client.force_login(admin)
    page = client.get("/workspace/skills/").content.decode()
    assert 'data-testid="add-skill"' in page and 'data-testid="read-only"' not in page
    added = client.post("/workspace/skills/add/", {"engineer": other.pk, "product": galaxy.pk, "active": "1"})
    assert added.status_code == 302 and added["Location"] == "/workspace/skills/"
    new = EngineerSkill.objects.get(engineer=other)
    assert new.active is True
    assert "技能已添加。" in client.get(added["Location"]).content.decode()
    paused = client.post(f"/workspace/skills/{skill.pk}/active/", {"active": "0"})
    assert paused.status_code == 302 and EngineerSkill.objects.get(pk=skill.pk).active is False
    assert 'data-active="0"' in client.get("/workspace/skills/").content.decode()
    client.post(f"/workspace/skills/{skill.pk}/active/", {"active": "1"})
    assert EngineerSkill.objects.get(pk=skill.pk).active is True
    removed = client.post(f"/workspace/skills/{new.pk}/remove/")
    assert removed.status_code == 302 and not EngineerSkill.objects.filter(pk=new.pk).exists()
    assert client.post(f"/workspace/skills/{new.pk}/remove/").status_code == 404


def test_admin_page_explains_a_duplicate(client, admin, engineer, galaxy):
    client.force_login(admin)
    response = client.post("/workspace/skills/add/", {"engineer": engineer.pk, "product": galaxy.pk})
    assert response.status_code == 409
    assert "已有产品" in response.content.decode()
    assert EngineerSkill.objects.count() == 1


def test_the_page_names_products_nobody_takes(client, engineer, skill):
    client.force_login(engineer)
    page = client.get("/workspace/skills/").content.decode()
    uncovered = {p.code for p in selectors.skill_board().uncovered}
    assert "galaxy" not in uncovered and uncovered  # the other catalog products have no engineer here
    assert 'data-testid="uncovered"' in page


def test_the_workspace_links_to_the_skills_page(client, engineer):
    client.force_login(engineer)
    assert 'href="/workspace/skills/"' in client.get("/workspace/").content.decode()


def test_skills_page_in_english(client, admin, skill):
    client.force_login(admin)
    page = client.get("/workspace/skills/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Engineer skills" in page and "Pause auto-assignment" in page and "Add skill" in page


@pytest.mark.parametrize("extra", [0, 8])
def test_skills_page_queries_do_not_grow_with_skills(
    client, admin, skill, galaxy, make_user, django_assert_max_num_queries, extra
):
    for _ in range(extra):
        EngineerSkill.objects.create(engineer=make_user(role=Role.SUPPORT_ENGINEER), product=galaxy)
    client.force_login(admin)
    # session, user, skills (with engineers and products), products, engineers, and the user's own and
    # group permissions (the menu shows 后台管理 only to those who can use it)
    with django_assert_max_num_queries(7):
        assert client.get("/workspace/skills/").status_code == 200

