"""Binding a group to 企业微信: the group robot's webhook (its key is the credential) and the
app callback's Token, EncodingAESKey and CorpID."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from successhub.integrations.forms import RobotSetupForm


class SetupForm(RobotSetupForm):
    webhook_help = _("群机器人的 Webhook 地址，形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    secret = None
    token = forms.CharField(label=_("回调 Token"), max_length=64, required=False, widget=forms.PasswordInput)
    encoding_aes_key = forms.CharField(
        label=_("回调 EncodingAESKey"),
        max_length=43,
        min_length=43,
        required=False,
        widget=forms.PasswordInput,
    )
    corp_id = forms.CharField(label=_("企业 ID（CorpID）"), max_length=64, required=False)

    credential_fields = ("token", "encoding_aes_key", "corp_id")

    def clean_encoding_aes_key(self) -> str:
        value = self.cleaned_data.get("encoding_aes_key", "")
        if value and not re.fullmatch(r"[A-Za-z0-9+/]{43}", value):
            raise forms.ValidationError(_("EncodingAESKey 应为 43 位字母或数字。"))
        return value
