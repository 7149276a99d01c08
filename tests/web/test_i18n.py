"""The English catalogue: complete, placeholders intact, and pages in English show no Chinese UI text.

The UI is written in Chinese (the msgids); ``src/successhub/locale/en/LC_MESSAGES/django.po`` holds
the English, and an app with a ``locale/`` folder of its own keeps its entries there (makemessages
files each message under the nearest ``locale/``). Regenerate them with ``cd src/successhub &&
successhub makemessages -l en --ignore "*/migrations/*"`` and translate every new entry.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

import successhub

pytestmark = pytest.mark.django_db

PACKAGE = Path(successhub.__file__).resolve().parent
PO_PATHS = sorted(PACKAGE.glob("**/locale/en/LC_MESSAGES/django.po"))
# %(name)s, %s, %d ... and {name} (the assistant widget's JavaScript fills {n}); %% is a literal percent.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdifr]|%[sdifr]|\{[A-Za-z_]\w*\}")
HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# Language names are shown in their own language in the switcher.
ALLOWED_CHINESE = {"简体中文"}
TRANSLATE_TAG = re.compile(
    r"""{%\s*(?:trans|translate)\s+(?P<q>["'])(?P<msgid>.+?)(?P=q)(?:\s+context\s+(?P<cq>["'])(?P<ctx>.+?)(?P=cq))?"""
)


@pytest.fixture(scope="module")
def catalogues() -> list[polib.POFile]:
    return [polib.pofile(str(path)) for path in PO_PATHS]


@pytest.fixture(scope="module")
def catalogue(catalogues) -> list[polib.POEntry]:
    """Every entry of every English catalogue (the project's and the apps' own)."""
    return [entry for po in catalogues for entry in po]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def test_only_the_english_catalogue_exists():
    languages = sorted(p.parent.parent.name for p in PACKAGE.glob("**/locale/*/LC_MESSAGES/django.po"))
    assert set(languages) == {"en"}


def test_every_entry_is_translated_and_none_is_fuzzy(catalogues):
    assert sum(len(po) for po in catalogues) > 500
    for po in catalogues:
        assert not po.metadata_is_fuzzy, po.fpath
        assert po.metadata["Language"] == "en", po.fpath
        assert [e.msgid for e in po.untranslated_entries()] == [], po.fpath
        assert [e.msgid for e in po.fuzzy_entries()] == [], po.fpath
        assert [e.msgid for e in po.obsolete_entries()] == [], po.fpath


def test_translations_are_english(catalogue):
    chinese = []
    for entry in (e for e in catalogue if e.translated()):
        for msgstr in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            if HAN.search(msgstr):
                chinese.append((entry.msgid, msgstr))
    assert chinese == []


def test_placeholders_match(catalogue):
    mismatched = []
    for entry in catalogue:
        expected = _placeholders(entry.msgid)
        if entry.msgid_plural:
            # The singular may leave out the count, but may not invent placeholders.
            plural = _placeholders(entry.msgid_plural)
            for index, msgstr in entry.msgstr_plural.items():
                found = _placeholders(msgstr)
                if (index == 0 and not set(found) <= set(plural)) or (index != 0 and found != plural):
                    mismatched.append((entry.msgid, msgstr))
        elif _placeholders(entry.msgstr) != expected:
            mismatched.append((entry.msgid, entry.msgstr))
    assert mismatched == []


def test_every_template_translate_tag_is_in_the_catalogue(catalogue):
    known = {(e.msgctxt, e.msgid) for e in catalogue}
    absent = []
    for template in sorted(PACKAGE.glob("**/templates/**/*.html")):
        for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8")):
            if not HAN.search(match["msgid"]):
                continue
            if (match["ctx"], match["msgid"]) not in known:
                absent.append((template.relative_to(PACKAGE).as_posix(), match["msgid"]))
    assert absent == [], "run makemessages and translate the new entries"


def test_the_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("我的服务权益") == "My entitlements"
        assert translation.gettext("高级成功服务") == "Advanced Success Service"
    with translation.override("zh-hans"):
        assert translation.gettext("我的服务权益") == "我的服务权益"


def _chinese_in(html: str) -> set[str]:
    return set(HAN.findall(html)) - ALLOWED_CHINESE


def test_login_page_in_english(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html or 'lang="en"' in html
    assert "Username" in html and "Password" in html and "Forgot your password?" in html
    assert "用户名" not in html and "忘记密码" not in html
    assert _chinese_in(html) == set()


def test_login_page_in_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert "用户名" in html and "忘记密码？" in html
    assert "Forgot your password?" not in html


def test_entitlements_page_in_english(client, make_org, make_user, add_deployment, add_contract):
    organisation = make_org(name="Acme Trading Ltd")
    add_deployment(organisation, "cosmic", "public_cloud")
    add_contract(organisation, plan="advanced")
    client.force_login(make_user(organisation, display_name="Alice"))
    response = client.get("/me/entitlements/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "My entitlements" in html and "我的服务权益" not in html
    assert "Online tickets" in html and "Hotline" in html
    assert "All service hours are Beijing time." in html
    assert _chinese_in(html) == set()


def test_home_page_in_english(client, make_org, make_user, add_contract):
    # No deployment: product names are data (Product.name) and stay as entered.
    organisation = make_org(name="Acme Trading Ltd")
    add_contract(organisation, plan="standard", amount="0")
    client.force_login(make_user(organisation))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Standard Success Service" in html and "View my entitlements" in html
    assert _chinese_in(html) == set()
