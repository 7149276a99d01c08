"""The service catalog: plans, editions and service items, loaded from YAML files.

Pure Python (no Django). A catalog file describes one edition of one plan; an
edition may include another plan's edition, and its items then replace the
included items field by field (a field set to null removes it). Loading
validates everything and names the file and field of any error.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from successhub.core.calendar import EVERY_DAY, Schedule, ScheduleError, parse_schedules

SERVICE_CODES: tuple[str, ...] = (
    "community",
    "smart_service",
    "public_cloud_ops",
    "private_cloud_ops",
    "patch_download",
    "demand_listening",
    "license_upgrade",
    "hotline",
    "online_ticket",
    "im_service",
    "custom_dev_maintenance",
    "critical_moment_support",
    "technical_manager",
    "dedicated_im_group",
    "service_report",
    "health_check",
)
PLAN_CODES = ("standard", "advanced")
REGIONS = ("mainland", "hong_kong", "macau", "overseas")
DEPLOYMENT_TYPES = ("public_cloud", "private_cloud_subscription", "private_cloud")
QUOTA_PERIODS = ("service_year",)
CATALOG_SCHEMA = "successhub.catalog/1"
LABELS_SCHEMA = "successhub.labels/1"

ITEM_FIELDS = {
    "name",
    "group",
    "summary",
    "schedule",
    "deployment_types",
    "products",
    "channels",
    "fatal_only",
    "quota",
    "first_purchase_year_only",
    "min_contract_amount",
    "max_members",
    "im_tools",
    "out_of_scope",
    "sla",
    "suggestion",
    "schedule_note",
    "phone",
    "upgrade_windows_outside",
}


class CatalogError(ValueError):
    """A catalog file is invalid; the message names the file and the field."""

    def __init__(self, source: str, field_path: str, problem: str):
        self.source = source
        self.field_path = field_path
        self.problem = problem
        super().__init__(f"{source}: {field_path}: {problem}")


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


@dataclass(frozen=True)
class Quota:
    limit: Decimal
    unit: str
    period: str = "service_year"


@dataclass(frozen=True)
class ResponseTarget:
    working_minutes: int
    schedule: str


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: Text
    group: Text
    summary: Text
    schedule: str | None = None
    deployment_types: tuple[str, ...] | None = None
    products: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    fatal_only: bool = False
    quota: Quota | None = None
    first_purchase_year_only: bool = False
    min_contract_amount: Decimal | None = None
    max_members: int | None = None
    im_tools: tuple[str, ...] | None = None
    out_of_scope: tuple[str, ...] | None = None
    first_response: ResponseTarget | None = None
    suggestion: Text | None = None
    schedule_note: Text | None = None
    phone: str | None = None
    # Unified upgrade windows (公有云运维) must lie outside this schedule's working time.
    upgrade_windows_outside: str | None = None


@dataclass(frozen=True)
class PlanEdition:
    plan: str
    edition: str
    published: dt.date
    name: Text
    source: str
    regions: tuple[str, ...]
    items: Mapping[str, ServiceItem]
    file: str = ""
    includes: tuple[str, str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.plan, self.edition)


@dataclass(frozen=True)
class OpsPlatform:
    """Where a public-cloud product's customers run day-to-day operations (e.g. 金蝶天梯运维平台)."""

    code: str
    name: Text
    url: str
    products: tuple[str, ...]

    def get(self, language: str) -> str:
        return self.name.get(language)


@dataclass(frozen=True)
class Labels:
    regions: Mapping[str, Text]
    products: Mapping[str, Text]
    deployment_types: Mapping[str, Text]
    channels: Mapping[str, Text]
    # Each schedule's name as pages show it, written from its definition (``service_hours``).
    schedules: Mapping[str, Text]
    units: Mapping[str, Text]
    product_parents: Mapping[str, str] = field(default_factory=dict)
    ops_platforms: Mapping[str, OpsPlatform] = field(default_factory=dict)
    out_of_scope: Mapping[str, Text] = field(default_factory=dict)
    # Service hours (服务时间): each schedule's days and working intervals, for the business calendar.
    service_hours: Mapping[str, Schedule] = field(default_factory=dict)
    # Each schedule's short name as labels.yaml gives it (``7×24 小时``), where the hours need not be spelt out.
    schedule_names: Mapping[str, Text] = field(default_factory=dict)

    def ops_platform_for(self, product: str) -> OpsPlatform | None:
        """The ops platform serving ``product`` (or the product it is part of), if any."""
        for code in (product, self.product_parents.get(product)):
            for platform in self.ops_platforms.values():
                if code and code in platform.products:
                    return platform
        return None

    def name(self, kind: str, code: str, language: str = "zh") -> str:
        table: Mapping[str, Text] = getattr(self, kind)
        text = table.get(code)
        return text.get(language) if text else code


@dataclass(frozen=True)
class Catalog:
    editions: Mapping[tuple[str, str], PlanEdition]
    labels: Labels

    def edition(self, plan: str, edition: str | None = None, on: dt.date | None = None) -> PlanEdition:
        """The named edition, or the newest one published by ``on`` (the earliest if none was)."""
        if edition:
            try:
                return self.editions[(plan, edition)]
            except KeyError:
                raise KeyError(f"no edition {edition!r} of plan {plan!r} in the catalog") from None
        candidates = sorted((e for e in self.editions.values() if e.plan == plan), key=lambda e: e.published)
        if not candidates:
            raise KeyError(f"no plan {plan!r} in the catalog")
        if on is not None:
            published = [e for e in candidates if e.published <= on]
            if published:
                return published[-1]
        return candidates[0] if on is not None else candidates[-1]

    def plans(self) -> list[str]:
        return sorted({e.plan for e in self.editions.values()}, key=_plan_order)

    def latest_editions(self) -> list[PlanEdition]:
        return [self.edition(plan) for plan in self.plans()]

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        """The service schedules, for the business calendar."""
        return tuple(self.labels.service_hours.values())

    def any_definition(self, service: str) -> ServiceItem | None:
        """The item as the newest edition of the first plan that offers it defines it."""
        for edition in self.latest_editions():
            if service in edition.items:
                return edition.items[service]
        return None


def _plan_order(plan: str) -> tuple[int, str]:
    return (PLAN_CODES.index(plan) if plan in PLAN_CODES else len(PLAN_CODES), plan)


# --- loading ---------------------------------------------------------------


def load_catalog(directories: Iterable[Path | str]) -> Catalog:
    """Load every ``*.yaml`` catalog file and the ``labels.yaml`` file found in the folders."""
    raw_editions: dict[tuple[str, str], tuple[str, dict]] = {}
    labels_doc: tuple[str, dict] | None = None
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            source = str(path)
            document = _read_yaml(path.read_text(encoding="utf-8"), source)
            schema = document.get("schema")
            if schema == LABELS_SCHEMA:
                labels_doc = (source, document)
                continue
            if schema != CATALOG_SCHEMA:
                raise CatalogError(source, "schema", f"expected {CATALOG_SCHEMA!r} or {LABELS_SCHEMA!r}")
            plan = _require_str(document, "plan", source)
            edition = _require_str(document, "edition", source)
            if (plan, edition) in raw_editions:
                raise CatalogError(
                    source,
                    "edition",
                    f"{plan} {edition} is also defined in {raw_editions[(plan, edition)][0]}",
                )
            raw_editions[(plan, edition)] = (source, document)
    if labels_doc is None:
        raise CatalogError(", ".join(map(str, directories)), "labels.yaml", "no labels file found")
    labels = parse_labels(*labels_doc)
    return build_catalog(raw_editions, labels)


def load_catalog_texts(texts: Mapping[str, str], labels_text: str) -> Catalog:
    """Load from in-memory YAML texts keyed by a source name (for tests and the admin preview)."""
    raw = {}
    for source, text in texts.items():
        document = _read_yaml(text, source)
        raw[(_require_str(document, "plan", source), _require_str(document, "edition", source))] = (
            source,
            document,
        )
    return build_catalog(raw, parse_labels("labels", _read_yaml(labels_text, "labels")))


def build_catalog(raw_editions: Mapping[tuple[str, str], tuple[str, dict]], labels: Labels) -> Catalog:
    resolved: dict[tuple[str, str], PlanEdition] = {}
    merged_raw: dict[tuple[str, str], dict] = {}

    def resolve(key: tuple[str, str], chain: tuple[tuple[str, str], ...]) -> PlanEdition:
        if key in resolved:
            return resolved[key]
        source, document = raw_editions[key]
        includes = document.get("includes")
        base_items: dict[str, dict] = {}
        include_key = None
        if includes is not None:
            if not isinstance(includes, dict) or set(includes) != {"plan", "edition"}:
                raise CatalogError(source, "includes", "must be a mapping with plan and edition")
            include_key = (str(includes["plan"]), str(includes["edition"]))
            if include_key in chain or include_key == key:
                raise CatalogError(source, "includes", "includes itself (a cycle)")
            if include_key not in raw_editions:
                raise CatalogError(
                    source, "includes", f"no catalog file defines {include_key[0]} {include_key[1]}"
                )
            resolve(include_key, (*chain, key))
            base_items = copy.deepcopy(merged_raw[include_key])
        own_items = document.get("items")
        if not isinstance(own_items, dict) or not own_items:
            raise CatalogError(source, "items", "must be a non-empty mapping of service codes")
        merged = base_items
        for code, fields in own_items.items():
            if fields is None:
                merged.pop(code, None)
                continue
            if not isinstance(fields, dict):
                raise CatalogError(source, f"items.{code}", "must be a mapping")
            merged.setdefault(code, {})
            for name, value in fields.items():
                merged[code][name] = value
        edition = _parse_edition(source, document, merged, labels, include_key)
        merged_raw[key] = merged
        resolved[key] = edition
        return edition

    for key in raw_editions:
        resolve(key, ())
    return Catalog(editions=dict(resolved), labels=labels)


def _parse_edition(source: str, doc: dict, items: dict, labels: Labels, include_key) -> PlanEdition:
    plan = _require_str(doc, "plan", source)
    if plan not in PLAN_CODES:
        raise CatalogError(source, "plan", f"unknown plan {plan!r}; expected one of {', '.join(PLAN_CODES)}")
    published = doc.get("published")
    if not isinstance(published, dt.date):
        raise CatalogError(source, "published", "must be a date (YYYY-MM-DD)")
    regions = _code_list(doc.get("regions"), REGIONS, source, "regions", allow_none=False)
    parsed = {}
    for code, fields in items.items():
        parsed[code] = _parse_item(code, fields, source, labels)
    return PlanEdition(
        plan=plan,
        edition=_require_str(doc, "edition", source),
        published=published,
        name=_text(doc.get("name"), source, "name"),
        source=str(doc.get("source", "")),
        regions=regions or (),
        items=parsed,
        file=source,
        includes=include_key,
    )


def _parse_item(code: str, fields: dict, source: str, labels: Labels) -> ServiceItem:
    where = f"items.{code}"
    if code not in SERVICE_CODES:
        raise CatalogError(source, where, f"unknown service code {code!r}")
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise CatalogError(source, f"{where}.{sorted(unknown)[0]}", "unknown field")
    schedule = fields.get("schedule")
    if schedule is not None and schedule not in labels.service_hours:
        raise CatalogError(
            source, f"{where}.schedule", f"{schedule!r} is not one of {', '.join(labels.service_hours)}"
        )
    outside = fields.get("upgrade_windows_outside")
    if outside is not None and outside not in labels.service_hours:
        raise CatalogError(
            source,
            f"{where}.upgrade_windows_outside",
            f"{outside!r} is not one of {', '.join(labels.service_hours)}",
        )
    quota = None
    if fields.get("quota") is not None:
        raw = fields["quota"]
        if not isinstance(raw, dict):
            raise CatalogError(source, f"{where}.quota", "must be a mapping with limit, unit and period")
        limit = _decimal(raw.get("limit"), source, f"{where}.quota.limit")
        if limit < 0:
            raise CatalogError(source, f"{where}.quota.limit", "must not be negative")
        unit = raw.get("unit")
        if unit not in labels.units:
            raise CatalogError(source, f"{where}.quota.unit", f"unknown unit {unit!r}")
        period = raw.get("period", "service_year")
        if period not in QUOTA_PERIODS:
            raise CatalogError(source, f"{where}.quota.period", f"unknown period {period!r}")
        quota = Quota(limit=limit, unit=unit, period=period)
    first_response = None
    sla = fields.get("sla")
    if sla is not None:
        raw = sla.get("first_response") if isinstance(sla, dict) else None
        if not isinstance(raw, dict):
            raise CatalogError(source, f"{where}.sla.first_response", "must be a mapping")
        minutes = raw.get("working_minutes")
        if not isinstance(minutes, int) or minutes <= 0:
            raise CatalogError(
                source, f"{where}.sla.first_response.working_minutes", "must be a positive integer"
            )
        if raw.get("schedule") not in labels.service_hours:
            raise CatalogError(source, f"{where}.sla.first_response.schedule", "must be a schedule code")
        first_response = ResponseTarget(working_minutes=minutes, schedule=raw["schedule"])
    min_amount = fields.get("min_contract_amount")
    phone = fields.get("phone")
    if phone is not None and (not isinstance(phone, str) or not phone.strip()):
        raise CatalogError(source, f"{where}.phone", "must be a telephone number as a string")
    max_members = fields.get("max_members")
    if max_members is not None and (not isinstance(max_members, int) or max_members < 1):
        raise CatalogError(source, f"{where}.max_members", "must be a positive integer")
    for flag in ("fatal_only", "first_purchase_year_only"):
        if fields.get(flag) is not None and not isinstance(fields.get(flag), bool):
            raise CatalogError(source, f"{where}.{flag}", "must be true or false")
    return ServiceItem(
        code=code,
        name=_text(fields.get("name"), source, f"{where}.name"),
        group=_text(fields.get("group"), source, f"{where}.group"),
        summary=_text(fields.get("summary"), source, f"{where}.summary"),
        schedule=schedule,
        deployment_types=_code_list(
            fields.get("deployment_types"), DEPLOYMENT_TYPES, source, f"{where}.deployment_types"
        ),
        products=_code_list(fields.get("products"), tuple(labels.products), source, f"{where}.products"),
        channels=_code_list(fields.get("channels"), tuple(labels.channels), source, f"{where}.channels"),
        fatal_only=bool(fields.get("fatal_only") or False),
        quota=quota,
        first_purchase_year_only=bool(fields.get("first_purchase_year_only") or False),
        min_contract_amount=None
        if min_amount is None
        else _decimal(min_amount, source, f"{where}.min_contract_amount"),
        max_members=max_members,
        im_tools=_str_tuple(fields.get("im_tools"), source, f"{where}.im_tools"),
        out_of_scope=_str_tuple(fields.get("out_of_scope"), source, f"{where}.out_of_scope"),
        first_response=first_response,
        suggestion=None
        if fields.get("suggestion") is None
        else _text(fields["suggestion"], source, f"{where}.suggestion"),
        schedule_note=None
        if fields.get("schedule_note") is None
        else _text(fields["schedule_note"], source, f"{where}.schedule_note"),
        phone=phone,
        upgrade_windows_outside=outside,
    )


def parse_labels(source: str, doc: dict) -> Labels:
    tables = {}
    for kind in ("regions", "products", "deployment_types", "channels", "units"):
        raw = doc.get(kind)
        if not isinstance(raw, dict):
            raise CatalogError(source, kind, "must be a mapping of code to {zh, en}")
        tables[kind] = {str(code): _text(value, source, f"{kind}.{code}") for code, value in raw.items()}
    parents = {
        str(code): str(value["part_of"])
        for code, value in doc["products"].items()
        if isinstance(value, dict) and value.get("part_of")
    }
    platforms = {}
    for code, value in (doc.get("ops_platforms") or {}).items():
        where = f"ops_platforms.{code}"
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            raise CatalogError(source, where, "must be a mapping with zh, en, url and products")
        products = _code_list(
            value.get("products"), tuple(tables["products"]), source, f"{where}.products", allow_none=False
        )
        platforms[str(code)] = OpsPlatform(str(code), _text(value, source, where), value["url"], products)
    out_of_scope = {
        str(code): _text(value, source, f"out_of_scope.{code}")
        for code, value in (doc.get("out_of_scope") or {}).items()
    }
    service_hours, labels, names = _parse_schedules(source, doc.get("schedules"))
    return Labels(
        **tables,
        schedules=labels,
        product_parents=parents,
        ops_platforms=platforms,
        out_of_scope=out_of_scope,
        service_hours=service_hours,
        schedule_names=names,
    )


def _parse_schedules(source: str, raw: Any) -> tuple[dict[str, Schedule], dict[str, Text], dict[str, Text]]:
    """Each schedule's definition, its label (the name with the hours written out) and its name."""
    try:
        parsed = parse_schedules(raw, source)
    except ScheduleError as exc:
        raise CatalogError(source, f"schedules.{exc.code}.{exc.field}".rstrip("."), exc.problem) from None
    schedules, labels, names = {}, {}, {}
    for code, (schedule, entry) in parsed.items():
        schedules[code] = schedule
        names[code] = _text(entry.get("name"), source, f"schedules.{code}.name")
        labels[code] = schedule_label(schedule, names[code])
    return schedules, labels, names


def schedule_label(schedule: Schedule, name: Text) -> Text:
    """The name pages show, with the days and hours written out from the definition.

    ``7×8 小时（周一至周日 8:30-12:00、13:00-17:30）`` / ``7×8 (every day 8:30–12:00, 13:00–17:30)``.
    """
    if schedule.days == EVERY_DAY:
        zh = f"{name.zh}（周一至周日 {schedule.hours_text()}）"
        en_hours = "all day" if schedule.all_day else schedule.hours_text(", ", "–")
        en = f"{name.en} (every day{',' if schedule.all_day else ''} {en_hours})"
    else:
        makeup_zh = "及调休上班日" if schedule.makeup_days else ""
        makeup_en = " and make-up working days" if schedule.makeup_days else ""
        zh = f"{name.zh}（法定节假日除外的周一至周五{makeup_zh} {schedule.hours_text()}）"
        en = f"{name.en} (Mon–Fri{makeup_en} {schedule.hours_text(', ', '–')}, except statutory holidays)"
    return Text(zh, en)


def _read_yaml(text: str, source: str) -> dict:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        raise CatalogError(source, where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(document, dict):
        raise CatalogError(source, "document", "must be a mapping")
    return document


def _require_str(doc: dict, key: str, source: str) -> str:
    value = doc.get(key)
    if value is None or str(value).strip() == "":
        raise CatalogError(source, key, "is required")
    return str(value)


def _text(value: Any, source: str, where: str) -> Text:
    if isinstance(value, dict) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str):
        return Text(zh=value["zh"], en=value["en"])
    raise CatalogError(source, where, "must be a mapping with zh and en strings")


def _decimal(value: Any, source: str, where: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise CatalogError(source, where, "must be a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise CatalogError(source, where, "must be a number") from None


def _code_list(value: Any, allowed: Iterable[str], source: str, where: str, allow_none: bool = True):
    if value is None:
        if allow_none:
            return None
        raise CatalogError(source, where, "is required")
    if not isinstance(value, list) or not value:
        raise CatalogError(source, where, "must be a non-empty list")
    allowed = tuple(allowed)
    for index, code in enumerate(value):
        if code not in allowed:
            raise CatalogError(source, f"{where}[{index}]", f"unknown code {code!r}")
    return tuple(value)


def _str_tuple(value: Any, source: str, where: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(source, where, "must be a list of strings")
    return tuple(value)


def apply_overrides(
    item: ServiceItem, overrides: Mapping[str, Any], labels: Labels, source: str
) -> ServiceItem:
    """An item with a contract's per-item overrides applied (same fields and validation as a file)."""
    raw = _item_to_raw(item)
    for name, value in overrides.items():
        raw[name] = value
    return _parse_item(item.code, raw, source, labels)


def _item_to_raw(item: ServiceItem) -> dict:
    def text(t: Text | None):
        return None if t is None else {"zh": t.zh, "en": t.en}

    raw: dict[str, Any] = {
        "name": text(item.name),
        "group": text(item.group),
        "summary": text(item.summary),
        "schedule": item.schedule,
        "deployment_types": list(item.deployment_types) if item.deployment_types else None,
        "products": list(item.products) if item.products else None,
        "channels": list(item.channels) if item.channels else None,
        "fatal_only": item.fatal_only,
        "quota": None
        if item.quota is None
        else {"limit": str(item.quota.limit), "unit": item.quota.unit, "period": item.quota.period},
        "first_purchase_year_only": item.first_purchase_year_only,
        "min_contract_amount": None if item.min_contract_amount is None else str(item.min_contract_amount),
        "max_members": item.max_members,
        "im_tools": list(item.im_tools) if item.im_tools else None,
        "out_of_scope": list(item.out_of_scope) if item.out_of_scope else None,
        "sla": None
        if item.first_response is None
        else {
            "first_response": {
                "working_minutes": item.first_response.working_minutes,
                "schedule": item.first_response.schedule,
            }
        },
        "suggestion": text(item.suggestion),
        "schedule_note": text(item.schedule_note),
        "phone": item.phone,
        "upgrade_windows_outside": item.upgrade_windows_outside,
    }
    return raw
