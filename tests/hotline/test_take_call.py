"""Taking a call at the desk: the engine's decision, the quota used exactly once, refusals recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from successhub.accounts.models import Role
from successhub.catalog import loader
from successhub.contracts.models import UsageEntry
from successhub.core.catalog import load_catalog_texts
from successhub.hotline import services
from successhub.hotline.errors import CallerNotVerified, CallRefused, NotDeskStaff
from successhub.hotline.models import Outcome

pytestmark = pytest.mark.django_db


def take(engineer, org, caller=None, fatal=True, summary="系统无法登录，全员受影响"):
    return services.take_call(
        engineer=engineer, organisation=org, caller=caller, fatal=fatal, summary=summary
    )


@pytest.mark.parametrize(
    ("plan", "fatal", "outcome", "code", "units_used"),
    [
        ("standard", True, Outcome.ACCEPTED, "", 1),
        ("standard", False, Outcome.REFUSED, "fatal_only", 0),
        ("advanced", True, Outcome.ACCEPTED, "", 0),
        ("advanced", False, Outcome.ACCEPTED, "", 0),
    ],
    ids=[
        "standard fatal fault uses a unit",
        "standard ordinary problem is refused, nothing used",
        "advanced fatal fault is not metered",
        "advanced takes every problem",
    ],
)
def test_call_decisions(plan, fatal, outcome, code, units_used, engineer, std_caller, adv_caller):
    caller = std_caller if plan == "standard" else adv_caller
    org = caller.organisation
    if outcome == Outcome.REFUSED:
        with pytest.raises(CallRefused) as refused:
            take(engineer, org, caller, fatal)
        assert refused.value.code == code and refused.value.status == 403
        call = refused.value.call
    else:
        call = take(engineer, org, caller, fatal).call
    call.refresh_from_db()
    assert (call.outcome, call.refusal_code) == (outcome, code)
    assert UsageEntry.objects.filter(organisation=org, service="hotline").count() == units_used
    if units_used:
        assert call.usage_entry is not None and call.usage_entry.reference == f"hotline-call:{call.pk}"


def test_quota_left_counts_down_then_refuses_with_renewal_date(engineer, std_caller):
    org = std_caller.organisation
    left = [take(engineer, org, std_caller).quota_left for _ in range(4)]
    assert left == [Decimal(3), Decimal(2), Decimal(1), Decimal(0)]
    with pytest.raises(CallRefused) as refused:
        take(engineer, org, std_caller)
    assert refused.value.code == "quota_exhausted" and refused.value.status == 409
    assert refused.value.detail["renews_on"] == "2027-01-01"  # the contract's next service year
    assert UsageEntry.objects.filter(organisation=org).count() == 4


def test_quota_limit_comes_from_the_catalog(engineer, std_caller):
    """A contract override of the catalog's limit is what the desk counts down from."""
    contract = std_caller.organisation.contracts.get()
    contract.overrides = {"hotline": {"quota": {"limit": 2, "unit": "call", "period": "service_year"}}}
    contract.save()
    assert take(engineer, std_caller.organisation, std_caller).quota_left == Decimal(1)


def test_unverified_caller_is_verified_by_sms_code_before_service(
    engineer, standard, make_user, mailoutbox, capsys
):
    caller = make_user(standard, verified=False, phone="13700000003")
    with pytest.raises(CallerNotVerified):
        take(engineer, standard, caller)
    assert not UsageEntry.objects.exists()
    services.send_caller_code(engineer, caller)
    code = capsys.readouterr().out.split("验证码是 ")[1][:6]
    services.confirm_caller_code(engineer, caller, code)
    caller.refresh_from_db()
    assert caller.is_verified
    assert take(engineer, standard, caller).call.outcome == Outcome.ACCEPTED


def test_caller_found_by_phone_number(engineer, std_caller):
    taken = services.take_call(
        engineer=engineer,
        organisation=std_caller.organisation,
        fatal=True,
        summary="宕机",
        caller_phone="+86 138-0000-0001",
    )
    assert taken.call.caller == std_caller


def test_unknown_number_is_not_served(engineer, standard):
    with pytest.raises(CallerNotVerified):
        services.take_call(
            engineer=engineer, organisation=standard, fatal=True, summary="宕机", caller_phone="13111111111"
        )


@pytest.mark.parametrize("role", [Role.CUSTOMER_USER, Role.ACCOUNT_MANAGER, Role.OPS_ENGINEER])
def test_only_the_desk_takes_calls(role, std_caller, make_user):
    actor = make_user(std_caller.organisation if role == Role.CUSTOMER_USER else None, role=role)
    with pytest.raises(NotDeskStaff):
        take(actor, std_caller.organisation, std_caller)


def test_refusal_script_quotes_the_definition_and_lists_the_routes_that_apply(engineer, std_caller):
    with pytest.raises(CallRefused) as refused:
        take(engineer, std_caller.organisation, std_caller, fatal=False)
    script = services.refusal_script(std_caller.organisation, refused.value.decision)
    assert "致命故障是指系统大面积不可用或异常阻塞，导致客户日常业务无法正常进行。" in script.text
    assert [r.service for r in script.routes] == ["smart_service", "community", "demand_listening"]
    assert "4008-836-836" in script.routes[0].text
    assert "智能客服（7×24 小时）" in script.routes[0].text  # the smart service's hours in the catalog


def test_a_route_s_hours_are_the_catalog_s(engineer, std_caller, monkeypatch):
    plans = Path(loader.__file__).with_name("plans")
    texts = {p.name: p.read_text(encoding="utf-8") for p in plans.glob("*-*.yaml")}
    standard = texts["standard-2025-07.yaml"]
    texts["standard-2025-07.yaml"] = standard.replace(
        "    schedule: 7x24\n    phone:", "    schedule: 7x8\n    phone:", 1
    )
    assert texts["standard-2025-07.yaml"] != standard
    monkeypatch.setattr(
        loader, "_catalog", load_catalog_texts(texts, (plans / "labels.yaml").read_text(encoding="utf-8"))
    )
    with pytest.raises(CallRefused) as refused:
        take(engineer, std_caller.organisation, std_caller, fatal=False)
    script = services.refusal_script(std_caller.organisation, refused.value.decision)
    assert "智能客服（7×8 小时）" in script.routes[0].text
    english = services.refusal_script(std_caller.organisation, refused.value.decision, "en")
    assert "The support bot (7×8)" in english.routes[0].text


def test_quota_exhausted_script_names_the_renewal_date(engineer, std_caller):
    for _ in range(4):
        take(engineer, std_caller.organisation, std_caller)
    with pytest.raises(CallRefused) as refused:
        take(engineer, std_caller.organisation, std_caller)
    script = services.refusal_script(std_caller.organisation, refused.value.decision)
    assert script.renews_on == dt.date(2027, 1, 1) and "2027-01-01" in script.text


def test_advanced_call_becomes_a_hotline_ticket(engineer, adv_caller):
    call = take(engineer, adv_caller.organisation, adv_caller, fatal=False, summary="凭证保存报错").call
    ticket = services.call_to_ticket(
        engineer, call, product="galaxy", category="application_problem", title="凭证保存报错"
    )
    assert (ticket.channel, ticket.requester, ticket.filed_by) == ("hotline", adv_caller, engineer)
    call.refresh_from_db()
    assert call.outcome == Outcome.TICKET and call.ticket == ticket


def test_standard_call_cannot_become_a_ticket(engineer, std_caller):
    from successhub.hotline.errors import HotlineError

    call = take(engineer, std_caller.organisation, std_caller).call
    with pytest.raises(HotlineError) as refused:
        services.call_to_ticket(engineer, call, product="cosmic", category="application_problem", title="x")
    assert refused.value.code == "not_in_plan"


@pytest.mark.parametrize(("plan", "allowed"), [("advanced", True), ("standard", False)])
def test_call_becomes_a_demand_through_the_hotline_channel(plan, allowed, engineer, std_caller, adv_caller):
    from successhub.hotline.errors import HotlineError

    caller = adv_caller if plan == "advanced" else std_caller
    call = take(engineer, caller.organisation, caller, fatal=True, summary="希望支持批量导出").call
    if allowed:
        idea = services.call_to_idea(engineer, call, title="批量导出凭证")
        assert (idea.channel, idea.organisation) == ("hotline", caller.organisation)
    else:
        with pytest.raises(HotlineError) as refused:
            services.call_to_idea(engineer, call, title="批量导出凭证")
        assert refused.value.code == "channel_not_eligible"
