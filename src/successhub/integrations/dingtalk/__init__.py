"""钉钉 (DingTalk): custom robot out (signed), outgoing robot in."""

from successhub.integrations.base import Tool
from successhub.integrations.dingtalk import forms, inbound, standin, transport

TOOL = Tool(
    code="dingtalk",
    name_zh="钉钉",
    name_en="DingTalk",
    max_content=transport.MAX_CONTENT_BYTES,
    per_minute=transport.PER_MINUTE,
    prepare=transport.prepare,
    interpret=transport.interpret,
    verify=inbound.verify,
    setup_form=forms.SetupForm,
    standin=standin.DingTalkStandIn,
    url_hint="https://oapi.dingtalk.com/robot/send?access_token=",
    credential_fields=forms.SetupForm.credential_fields,
)
