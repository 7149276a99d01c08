"""The robot set-up form: which tool, a name, and the webhook and secret (write-only, sealed on save)."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from successhub import integrations


def tool_choices() -> list[tuple[str, str]]:
    language = get_language() or "zh-hans"
    return [(tool.code, tool.name(language)) for tool in integrations.offered_tools()]


class RobotForm(forms.Form):
    tool = forms.ChoiceField(label=_("IM 工具"), choices=())
    name = forms.CharField(label=_("名称"), max_length=100)
    webhook_url = forms.URLField(
        label=_("机器人 Webhook 地址"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("保存后加密存放，不再显示；修改其他项时留空即保持原值。"),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("钉钉机器人开启“加签”时填写（SEC 开头）；云之家、企业微信的机器人无需填写。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].choices = tool_choices()
