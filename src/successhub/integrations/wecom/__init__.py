"""企业微信 (WeCom): group robot out, app callback in."""

from successhub.integrations.base import Acknowledgement, Tool
from successhub.integrations.wecom import forms, inbound, standin, transport

TOOL = Tool(
    code="wecom",
    name_zh="企业微信",
    name_en="WeCom",
    max_content=transport.MAX_CONTENT_BYTES,
    per_minute=transport.PER_MINUTE,
    prepare=transport.prepare,
    interpret=transport.interpret,
    verify=inbound.verify,
    setup_form=forms.SetupForm,
    standin=standin.WeComStandIn,
    url_hint="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=",
    credential_fields=forms.SetupForm.credential_fields,
    # WeCom takes anything but an empty answer (or a passive reply) as a failure and retries.
    acknowledgement=Acknowledgement(),
)
