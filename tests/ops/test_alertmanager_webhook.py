"""POST /api/v1/ops/alertmanager with recorded Alertmanager payloads (version 4): firing, repeated,
grouped, resolved; and every kind of bad input: a clear refusal or an unmatched record, never a 500."""

from __future__ import annotations

import json

import pytest

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.notifications.models import Notification
from successhub.ops.models import Incident, IncidentStatus, UnmatchedAlert, WebhookReceipt
from tests.ops.conftest import payload


def _grouped(environment_codes: list[str]) -> str:
    """One notification grouping several alerts (as ``group_by: [alertname]`` would), from the recording."""
    document = json.loads(payload("firing.json"))
    template = document["alerts"][0]
    document["alerts"] = []
    for index, code in enumerate(environment_codes):
        alert = json.loads(json.dumps(template))
        alert["labels"]["successhub_environment"] = code
        alert["labels"]["instance"] = f"https://tenant-{index}.example/"
        alert["fingerprint"] = f"{index:016x}"
        document["alerts"].append(alert)
    document["groupLabels"] = {"alertname": "EnvironmentUnavailable"}
    return json.dumps(document)


def test_a_firing_alert_opens_one_incident_and_tells_ops_and_the_customers_admins(
    post_alerts, environment, ops_engineer, customer_admin
):
    response = post_alerts(payload("firing.json", environment.code))

    assert response.status_code == 200, response.content
    assert response.json()["opened"] == 1
    incident = Incident.objects.get()
    assert (incident.environment, incident.status, incident.alertname) == (
        environment,
        "open",
        "EnvironmentUnavailable",
    )
    assert incident.fingerprint == "d969f65c856e172a"
    assert incident.clock_starts_at is not None
    assert list(incident.events.values_list("kind", flat=True)) == ["opened", "paged", "customer_told"]
    told = set(
        Notification.objects.filter(kind="ops.incident_opened").values_list("recipient__username", flat=True)
    )
    assert told == {ops_engineer.username, customer_admin.username}


def test_the_same_alert_delivered_again_never_makes_a_second_incident(post_alerts, environment, ops_engineer):
    post_alerts(payload("firing.json", environment.code))
    response = post_alerts(payload("firing.json", environment.code))

    assert response.json() | {"receipt": 0} == {
        "receipt": 0,
        "alerts": 1,
        "opened": 0,
        "repeated": 1,
        "resolved": 0,
        "unmatched": 0,
        "expected": 0,
    }
    incident = Incident.objects.get()
    assert incident.times_received == 2
    assert Notification.objects.filter(kind="ops.incident_opened").count() == 1


def test_resolved_closes_the_incident_with_its_duration(post_alerts, environment, ops_engineer):
    post_alerts(payload("firing.json", environment.code))
    response = post_alerts(payload("resolved.json", environment.code))

    assert response.json()["resolved"] == 1
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.duration_seconds == 3  # startsAt 14:06:51.409Z, endsAt 14:06:54.409Z in the recording
    assert incident.working_minutes == 0  # 22:06 Beijing time: outside the 7×8 ops hours
    assert incident.events.last().kind == "resolved"
    assert Notification.objects.filter(kind="ops.incident_resolved", recipient=ops_engineer).count() == 1


def test_an_ops_item_without_hours_counts_every_moment(post_alerts, environment, ops_catalog_where):
    ops_catalog_where(
        "    schedule: 7x8\n    # The unified upgrade windows",
        "    schedule: null\n    # The unified upgrade windows",
    )
    post_alerts(payload("firing.json", environment.code))
    post_alerts(payload("resolved.json", environment.code))

    incident = Incident.objects.get()
    assert incident.clock_starts_at == incident.starts_at  # 22:06 Beijing time, and no service hours
    assert incident.working_minutes == 3 / 60


def test_a_resolved_alert_whose_firing_never_arrived_is_still_recorded(post_alerts, environment):
    response = post_alerts(payload("resolved.json", environment.code))

    assert response.json()["opened"] == 1
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


def test_grouped_alerts_open_one_incident_each_and_a_repeated_group_none(
    post_alerts, make_org, add_deployment
):
    codes = []
    for _ in range(3):
        deployment = add_deployment(make_org(), product="galaxy", kind="public_cloud", version="9.0")
        codes.append(deployment.environment.code)
    body = _grouped(codes)

    assert post_alerts(body).json()["opened"] == 3
    assert post_alerts(body).json()["repeated"] == 3
    # One of them again, now grouped with nothing else (a regrouping): still the same incident.
    single = json.loads(body)
    single["alerts"] = single["alerts"][:1]
    assert post_alerts(json.dumps(single)).json()["opened"] == 0
    assert Incident.objects.count() == 3


def test_an_alert_in_an_upgrade_window_is_expected_and_pages_nobody(post_alerts, environment, ops_engineer):
    from successhub.ops.models import UpgradeWindow

    alert_start = json.loads(payload("firing.json"))["alerts"][0]["startsAt"]
    import datetime as dt

    start = dt.datetime.fromisoformat(alert_start.replace("Z", "+00:00")) - dt.timedelta(hours=1)
    window = UpgradeWindow.objects.create(
        product=environment.product,
        target_version="6.3",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
    )
    window.environments.add(environment)

    response = post_alerts(payload("firing.json", environment.code))

    assert response.json()["expected"] == 1
    incident = Incident.objects.get()
    assert incident.expected and incident.upgrade_window == window
    assert list(incident.events.values_list("kind", flat=True)) == ["opened", "expected"]
    assert not Notification.objects.filter(kind="ops.incident_opened").exists()


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("no token", 401, "not_authenticated"),
        ("unknown token", 401, "not_authenticated"),
        ("a customer's token", 403, "forbidden"),
    ],
)
def test_unsigned_posts_are_refused(case, status, code, post_alerts, environment, make_user, customer):
    token = {
        "no token": None,
        "unknown token": "shk_deadbeef_not-a-real-secret",
        "a customer's token": issue_api_token(make_user(organisation=customer), "x"),
    }[case]
    response = post_alerts(payload("firing.json", environment.code), token=token)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json at all", "malformed"),
        (b"[1, 2]", "malformed"),
        (json.dumps({"version": "3", "alerts": []}).encode(), "unsupported_version"),
        (json.dumps({"version": "4", "alerts": {"a": 1}}).encode(), "malformed"),
        (
            json.dumps(
                {"version": "4", "alerts": [{"status": "firing", "labels": {}, "startsAt": "yesterday"}]}
            ).encode(),
            "malformed",
        ),
        (json.dumps({"version": "4", "alerts": [{"status": "burning", "labels": {}}]}).encode(), "malformed"),
        (
            json.dumps({"version": "4", "alerts": [{"status": "firing", "labels": {"a": 1}}]}).encode(),
            "malformed",
        ),
        ("\udcff".encode("utf-8", "surrogatepass"), "malformed"),
    ],
)
def test_a_malformed_payload_is_refused_with_a_code_and_kept(body, code, post_alerts, environment):
    response = post_alerts(body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert WebhookReceipt.objects.get().outcome == "malformed"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unknown environment", "unknown_environment"),
        ("no environment label", "no_environment_label"),
        ("deleted environment", "retired_environment"),
    ],
)
def test_alerts_matching_no_environment_are_logged_unmatched_never_lost(
    case, reason, post_alerts, environment
):
    document = json.loads(payload("firing.json", environment.code))
    if case == "unknown environment":
        document["alerts"][0]["labels"]["successhub_environment"] = "no-such-env"
    elif case == "no environment label":
        del document["alerts"][0]["labels"]["successhub_environment"]
    else:
        environment.deployment.delete()

    response = post_alerts(json.dumps(document))

    assert response.status_code == 200
    assert response.json()["unmatched"] == 1
    unmatched = UnmatchedAlert.objects.get()
    assert unmatched.reason == reason
    assert unmatched.fingerprint == "d969f65c856e172a"
    assert not Incident.objects.exists()


def test_a_service_admin_token_is_accepted(post_alerts, environment, make_user):
    token = issue_api_token(make_user(role=Role.SERVICE_ADMIN), "am")
    assert post_alerts(payload("firing.json", environment.code), token=token).status_code == 200


def test_the_customers_dedicated_group_and_the_ops_team_group_get_one_im_message_per_notification(
    post_alerts, make_org, make_user, add_deployment, ops_engineer
):
    from successhub.notifications.models import Robot, RobotMessage

    organisation = make_org()
    make_user(organisation=organisation, role=Role.CUSTOMER_ADMIN)
    codes = [
        add_deployment(organisation, product="galaxy", kind="public_cloud").environment.code for _ in range(2)
    ]
    group = Robot.objects.create(name="客户专属群", tool="wecom", organisation=organisation)
    team = Robot.objects.create(name="服务团队群", tool="wecom", staff_group=True)
    body = _grouped(codes)

    post_alerts(body)
    post_alerts(body)  # repeated: nothing new to tell

    messages = list(RobotMessage.objects.values_list("robot_id", "kind"))
    assert sorted(messages) == sorted([(group.pk, "ops.incident_opened"), (team.pk, "ops.incident_opened")])
    text = RobotMessage.objects.get(robot=group).text
    assert codes[0] in text and codes[1] in text
