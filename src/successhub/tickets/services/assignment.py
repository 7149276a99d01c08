"""Who works a ticket: round-robin among engineers with the product's skill, manual (re)assignment,
and the engineers' product skills (services admins manage them)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from successhub import sql
from successhub.accounts.models import Role, User
from successhub.contracts.models import Product
from successhub.tickets import outbound
from successhub.tickets.errors import ActionNotAllowed, InvalidInput, InvalidTransition, TicketError
from successhub.tickets.models import EngineerSkill, Status, Ticket, TicketEvent
from successhub.tickets.services.common import copy_fields, ensure_staff, lock, quoted_table


def skill_products(product: Product) -> list[int]:
    return [product.pk] + ([product.parent_id] if product.parent_id else [])


def pick_engineer(product: Product, now: dt.datetime) -> User | None:
    """Round-robin among active engineers with the product's skill: the least recently assigned.

    The chosen skill row is locked (rows another transaction holds are skipped, so two
    tickets filed at once go to two engineers) and stamped with the assignment time; in the
    caller's transaction if there is one, else in a short one of its own.
    """
    products = skill_products(product)
    if connection.vendor == "postgresql":
        # One statement each, so no row stays locked while Python runs: the first free candidate,
        # else (every candidate is being stamped by another filing) wait for one.
        return pick_and_stamp(products, now, skip_locked=True) or pick_and_stamp(
            products, now, skip_locked=False
        )
    candidates = (
        EngineerSkill.objects.filter(product_id__in=products, active=True, engineer__is_active=True)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
        .select_related("engineer")
    )
    with transaction.atomic(savepoint=False):  # no savepoint inside the caller's transaction
        skill = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if skill is None:
            skill = candidates.select_for_update(of=("self",)).first()
        if skill is None:
            return None
        EngineerSkill.objects.filter(pk=skill.pk).update(last_assigned_at=now)
    return skill.engineer


def pick_sql(product_count: int, *, skip_locked: bool) -> str:
    """PostgreSQL: lock the least recently assigned candidate's skill row, stamp it, return its engineer_id."""
    skill, user = quoted_table(EngineerSkill), quoted_table(User)
    placeholders = ", ".join(["%s"] * product_count)
    return (
        f"UPDATE {skill} SET last_assigned_at = %s WHERE id = ("
        f"SELECT s.id FROM {skill} s JOIN {user} u ON u.id = s.engineer_id "
        f"WHERE s.product_id IN ({placeholders}) AND s.active AND u.is_active "
        f"ORDER BY s.last_assigned_at ASC NULLS FIRST, s.id LIMIT 1 FOR UPDATE OF s{' SKIP LOCKED' if skip_locked else ''}"
        f") RETURNING engineer_id"
    )


def pick_and_stamp(products: list[int], now: dt.datetime, *, skip_locked: bool) -> User | None:
    """The same pick in one statement (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH picked AS ({pick_sql(len(products), skip_locked=skip_locked)}) "
            f"SELECT {sql.columns(User, 'u')} FROM {quoted_table(User)} u JOIN picked ON u.id = picked.engineer_id",
            [now, *products],
        )
        row = cursor.fetchone()
    return sql.instance(User, row) if row else None


def assign(ticket: Ticket, actor: User, engineer: User | None, *, now: dt.datetime | None = None) -> Ticket:
    """Manual (re)assignment by staff; ``engineer=None`` picks one by round-robin."""
    now = now or timezone.now()
    ensure_staff(actor)
    if engineer is not None and engineer.is_customer:
        raise InvalidInput("只能分派给服务人员。", "Tickets are assigned to staff only.")
    with transaction.atomic():
        locked = lock(ticket)
        if locked.status == Status.CLOSED:
            raise InvalidTransition("工单已关闭，不能再分派。", "The ticket is closed.")
        how = "manual"
        if engineer is None:
            engineer = pick_engineer(locked.product, now)
            how = "round_robin"
            if engineer is None:
                raise InvalidInput(
                    "没有具备该产品技能的工程师可供分派。",
                    "No engineer has this product's skill.",
                    code="no_engineer",
                )
        changes: dict = {"assignee": engineer, "updated_at": now}
        locked.assignee = engineer
        if locked.status in (Status.NEW,):
            changes["status"] = locked.status = Status.ASSIGNED
        Ticket.objects.filter(pk=locked.pk).update(**changes)
        TicketEvent.objects.create(
            ticket=locked, actor=actor, kind="assigned", at=now, data={"assignee": engineer.pk, "how": how}
        )
        outbound.notify(
            [engineer],
            "ticket.assigned",
            f"工单 {locked.number} 已分派给您：{locked.title}",
            url=outbound.workspace_url(locked),
        )
    copy_fields(locked, ticket)
    return ticket


# --- engineer skills (who takes part in round-robin assignment) --------------------------------


def can_manage_skills(user: User) -> bool:
    """Service admins (服务管理员) manage skills; other staff see them; customers neither."""
    return user.is_active and user.role == Role.SERVICE_ADMIN


def _ensure_skill_manager(user: User) -> None:
    if not can_manage_skills(user):
        raise ActionNotAllowed(
            "只有服务管理员可以管理工程师技能。", "Only service admins manage engineer skills."
        )


def add_skill(actor: User, *, engineer_id: int, product_id: int, active: bool = True) -> EngineerSkill:
    """Give an engineer a product's skill: with ``active`` they take part in its round-robin assignment."""
    _ensure_skill_manager(actor)
    engineer = User.objects.filter(pk=engineer_id, is_active=True).first()
    if engineer is None or engineer.is_customer:
        raise InvalidInput(
            "只能为在职的服务人员添加技能。",
            "Skills are for active service staff only.",
            code="not_an_engineer",
        )
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise InvalidInput("请选择产品。", "Choose a product.", code="unknown_product")
    try:
        with transaction.atomic():
            return EngineerSkill.objects.create(engineer=engineer, product=product, active=active)
    except IntegrityError:
        # The unique constraint decides, so two admins adding the same skill at once get one row.
        raise TicketError(
            f"{engineer} 已有产品“{product}”的技能。",
            f"{engineer} already has the skill for {product.name_en or product.name}.",
            code="skill_exists",
            status=409,
        ) from None


def set_skill_active(actor: User, skill: EngineerSkill, active: bool) -> EngineerSkill:
    """Pause (``active=False``) or resume the engineer's part in the product's round-robin assignment."""
    _ensure_skill_manager(actor)
    EngineerSkill.objects.filter(pk=skill.pk).update(active=active)
    skill.active = active
    return skill


def remove_skill(actor: User, skill: EngineerSkill) -> None:
    """Take the product's skill away; tickets already assigned to the engineer stay theirs."""
    _ensure_skill_manager(actor)
    EngineerSkill.objects.filter(pk=skill.pk).delete()
