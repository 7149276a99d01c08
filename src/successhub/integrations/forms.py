"""What every tool's setup form has: the robot's webhook URL and, where the tool signs, its secret.

Secret fields are write-only: a saved value is never put back into the form (the page says
whether one is set), and leaving a secret field empty keeps the stored value.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RobotSetupForm(forms.Form):
    webhook_help = ""
    credential_fields: tuple[str, ...] = ()

    webhook_url = forms.URLField(
        label=_("机器人 Webhook 地址"),
        max_length=1000,
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput,
    )
    secret = forms.CharField(label=_("加签密钥"), max_length=200, required=False, widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.webhook_help:
            self.fields["webhook_url"].help_text = self.webhook_help
        for field in self.fields.values():
            if isinstance(field.widget, forms.PasswordInput):
                field.widget.render_value = False
                field.widget.attrs.setdefault("autocomplete", "off")

    def robot_values(self) -> tuple[str, str]:
        return self.cleaned_data.get("webhook_url", ""), self.cleaned_data.get("secret", "") or ""

    def credentials(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") or "" for name in self.credential_fields}
