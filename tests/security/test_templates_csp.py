"""Every template must work under the Content-Security-Policy: no inline script without the nonce,
no inline event handlers (onclick=, onchange=, onsubmit=, ...)."""

import re
from pathlib import Path

import successhub

SRC = Path(successhub.__file__).resolve().parent
TEMPLATES = sorted(SRC.glob("**/templates/**/*.html"))

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I)

HOW_TO_FIX = (
    "\n  Inline <script> blocks run only with the request's nonce. Write it as\n"
    '      <script nonce="{{ request.csp_nonce }}"> ... </script>\n'
    "  or better, move the code into a static file: <script src=\"{% static 'yourapp/x.js' %}\" defer>.\n"
    "  Inline handlers (onclick=, onchange=, onsubmit=) never run under the policy: use\n"
    '      <select data-autosubmit>  or  <form data-confirm="{{ question }}">  (successhub/app.js),\n'
    "  or addEventListener in your own static script."
)


def test_templates_exist():
    assert len(TEMPLATES) > 20


def test_inline_scripts_carry_the_nonce():
    offenders = []
    for path in TEMPLATES:
        for match in INLINE_SCRIPT.finditer(path.read_text(encoding="utf-8")):
            if "csp_nonce" not in match.group(0) and "CSP_NONCE" not in match.group(0):
                offenders.append(f"{path.relative_to(SRC)}: {match.group(0)}")
    assert not offenders, "inline <script> without nonce:\n  " + "\n  ".join(offenders) + HOW_TO_FIX


def test_no_inline_event_handlers():
    offenders = []
    for path in TEMPLATES:
        for match in HANDLER.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(SRC)}: {match.group(1)}=")
    assert not offenders, "inline event handler:\n  " + "\n  ".join(offenders) + HOW_TO_FIX
