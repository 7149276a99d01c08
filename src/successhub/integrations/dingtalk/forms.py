"""Binding a group to 钉钉: the custom robot's webhook and 加签 secret, and the outgoing robot's AppSecret."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from successhub.integrations.forms import RobotSetupForm


class SetupForm(RobotSetupForm):
    webhook_help = _("自定义机器人的 Webhook 地址，形如 https://oapi.dingtalk.com/robot/send?access_token=…")
    app_secret = forms.CharField(
        label=_("回调机器人 AppSecret"), max_length=200, required=False, widget=forms.PasswordInput
    )

    credential_fields = ("app_secret",)
