"""Binding a group to 云之家: the group robot's webhook (its yzjtoken is the credential) and the
robot callback's secret."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from successhub.integrations.forms import RobotSetupForm


class SetupForm(RobotSetupForm):
    webhook_help = _(
        "群机器人的 Webhook 地址，形如 https://www.yunzhijia.com/gateway/robot/webhook/send?yzjtype=0&yzjtoken=…"
    )
    secret = None
    callback_secret = forms.CharField(
        label=_("回调签名密钥"), max_length=200, required=False, widget=forms.PasswordInput
    )

    credential_fields = ("callback_secret",)
