from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from successhub.accounts.models import Organisation
from successhub.core.catalog import SERVICE_CODES


class Product(models.Model):
    code = models.SlugField(_("产品编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属产品"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
    )

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DeploymentType(models.TextChoices):
    PUBLIC_CLOUD = "public_cloud", _("公有云")
    PRIVATE_CLOUD_SUBSCRIPTION = "private_cloud_subscription", _("私有云（订阅）")
    PRIVATE_CLOUD = "private_cloud", _("私有云")


class Deployment(models.Model):
    """One product the organisation runs: where, which version, which modules and how many users."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("客户组织"), on_delete=models.CASCADE, related_name="deployments"
    )
    product = models.ForeignKey(Product, verbose_name=_("产品"), on_delete=models.PROTECT)
    type = models.CharField(_("部署方式"), max_length=40, choices=DeploymentType.choices)
    version = models.CharField(_("版本"), max_length=40, blank=True)
    modules = models.JSONField(
        _("许可模块与用户数"), default=dict, blank=True, help_text='{"总账": 20, "应收": 10}'
    )
    environment_url = models.URLField(_("环境地址"), blank=True)

    class Meta:
        verbose_name = _("部署")
        verbose_name_plural = _("部署")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} · {self.get_type_display()} {self.version}".strip()


class Plan(models.TextChoices):
    STANDARD = "standard", _("标准成功服务")
    ADVANCED = "advanced", _("高级成功服务")


def validate_service_overrides(value: dict) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("覆盖条款必须是以服务编码为键的对象。"))
    for code, fields in value.items():
        if code not in SERVICE_CODES:
            raise ValidationError(_("未知的服务编码：%(code)s"), params={"code": code})
        if not isinstance(fields, dict):
            raise ValidationError(_("%(code)s 的覆盖内容必须是对象。"), params={"code": code})


class Contract(models.Model):
    """A signed service contract: plan and edition, term (inclusive, Beijing dates) and amount."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("客户组织"), on_delete=models.CASCADE, related_name="contracts"
    )
    number = models.CharField(_("合同编号"), max_length=50, unique=True)
    plan = models.CharField(_("服务计划"), max_length=20, choices=Plan.choices)
    edition = models.CharField(
        _("条款版本"), max_length=20, blank=True, help_text=_("留空则使用合同开始时已发布的最新版本")
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    amount = models.DecimalField(
        _("合同金额（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    overrides = models.JSONField(
        _("合同特别约定"),
        default=dict,
        blank=True,
        validators=[validate_service_overrides],
        help_text=_('按服务编码覆盖目录条款，例如 {"hotline": {"quota": {"limit": 6, "unit": "call"}}}'),
    )
    signed_at = models.DateField(_("签署日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(name="contract_ends_after_it_starts", condition=Q(end__gte=F("start"))),
            models.CheckConstraint(name="contract_amount_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_plan_display()} {self.start}–{self.end}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("结束日期不能早于开始日期。")})


def service_choices() -> list[tuple[str, str]]:
    """The service items by their catalog names (in the current language), for forms and the admin."""
    from django.utils.translation import get_language

    from successhub.catalog.loader import get_catalog

    language = "en" if (get_language() or "").startswith("en") else "zh"
    catalog = get_catalog()
    choices = []
    for code in SERVICE_CODES:
        item = catalog.any_definition(code)
        choices.append((code, item.name.get(language) if item else code))
    return choices


class UsageEntry(models.Model):
    """The usage ledger: one row per consumption of a quota (a hotline call, a person-day, a report)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("客户组织"), on_delete=models.CASCADE, related_name="usage_entries"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("服务合同"), null=True, blank=True, on_delete=models.SET_NULL, related_name="usage"
    )
    service = models.CharField(_("服务项"), max_length=40, choices=service_choices)
    amount = models.DecimalField(_("数量"), max_digits=8, decimal_places=2, default=Decimal(1))
    at = models.DateTimeField(_("发生时间"))
    reference = models.CharField(_("关联单据"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.JSONField(_("权益判定"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("权益使用记录")
        verbose_name_plural = _("权益使用记录")
        ordering = ["-at"]
        # Covering index: quota totals are read by an index-only scan (PostgreSQL).
        indexes = [
            models.Index(
                fields=["organisation", "service", "at"], include=["amount"], name="usage_org_service_at"
            )
        ]
        constraints = [models.CheckConstraint(name="usage_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.service} {self.amount} @ {self.at:%Y-%m-%d %H:%M}"
