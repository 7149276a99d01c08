"""云之家 (Yunzhijia): group robot out, robot callback in. The catalog offers it first."""

from successhub.integrations.base import Tool
from successhub.integrations.yunzhijia import forms, inbound, standin, transport

TOOL = Tool(
    code="yunzhijia",
    name_zh="云之家",
    name_en="Yunzhijia",
    max_content=transport.MAX_CONTENT_CHARS,
    content_unit="chars",
    per_minute=transport.PER_MINUTE,
    prepare=transport.prepare,
    interpret=transport.interpret,
    verify=inbound.verify,
    setup_form=forms.SetupForm,
    standin=standin.YunzhijiaStandIn,
    url_hint="https://www.yunzhijia.com/gateway/robot/webhook/send?yzjtype=0&yzjtoken=",
    credential_fields=forms.SetupForm.credential_fields,
    acknowledgement=inbound.ACKNOWLEDGEMENT,
)
