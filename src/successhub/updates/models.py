"""Packages (补丁、功能升级包、产品安装包), downloads, subscriptions, update plans, licenses and upgrades."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from successhub.accounts.models import Organisation
from successhub.contracts.models import Product


class ProductVersion(models.Model):
    """A released version of a product; the newest is the target of a license upgrade."""

    product = models.ForeignKey(
        Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("版本"), max_length=40)
    released_on = models.DateField(_("发布日期"))

    class Meta:
        verbose_name = _("产品版本")
        verbose_name_plural = _("产品版本")
        ordering = ["product_id", "-released_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="one_row_per_product_version")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"


class PackageKind(models.TextChoices):
    FIX_PATCH = "fix_patch", _("缺陷修正补丁")
    FEATURE_PACK = "feature_pack", _("功能升级包")
    INSTALLER = "installer", _("产品安装包")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("紧急")
    HIGH = "high", _("重要")
    NORMAL = "normal", _("一般")
    LOW = "low", _("建议")


class PackageStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Package(models.Model):
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="packages"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=PackageKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    release_notes = models.TextField(_("发布说明"), blank=True)
    applies_to = models.ManyToManyField(ProductVersion, verbose_name=_("适用版本"), related_name="packages")
    severity = models.CharField(
        _("严重程度"), max_length=20, choices=Severity.choices, default=Severity.NORMAL
    )
    prerequisites = models.ManyToManyField(
        "self", verbose_name=_("前置补丁"), symmetrical=False, blank=True, related_name="required_by"
    )
    supersedes = models.ManyToManyField(
        "self", verbose_name=_("替代的补丁"), symmetrical=False, blank=True, related_name="superseded_by"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=PackageStatus.choices, default=PackageStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    file = models.CharField(_("存储位置"), max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.BigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("补丁包")
        verbose_name_plural = _("补丁包")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["product", "status", "-published_at"], name="package_product_status")]
        constraints = [
            models.CheckConstraint(
                name="published_package_has_a_file",
                condition=~Q(status="published") | (Q(published_at__isnull=False) & ~Q(sha256="")),
            ),
            models.CheckConstraint(name="package_size_not_negative", condition=Q(size__gte=0)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PackageStatus.PUBLISHED


class Download(models.Model):
    """The audit trail: who fetched which package, when, which bytes and how many were sent."""

    package = models.ForeignKey(
        Package, verbose_name=_("补丁包"), on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="package_downloads",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("客户组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="package_downloads",
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    range_start = models.BigIntegerField(_("起始字节"), default=0)
    range_end = models.BigIntegerField(_("结束字节"), default=0, help_text=_("含此字节"))
    bytes_sent = models.BigIntegerField(_("已发送字节"), default=0)
    status_code = models.PositiveSmallIntegerField(_("响应状态"), default=200)
    delivery = models.CharField(_("交付方式"), max_length=20)
    client_ip = models.GenericIPAddressField(_("客户端地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("下载记录")
        verbose_name_plural = _("下载记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-started_at"], name="download_org_started")]

    def __str__(self) -> str:
        return f"{self.user} · {self.package} · {self.bytes_sent} B"


class Subscription(models.Model):
    """A customer user wants to hear of new packages for a product."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_subscriptions"
    )
    product = models.ForeignKey(Product, verbose_name=_("产品"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("补丁订阅")
        verbose_name_plural = _("补丁订阅")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="one_subscription_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.product}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    APPLIED = "applied", _("已应用")
    SKIPPED = "skipped", _("已跳过")


class UpdatePlanEntry(models.Model):
    """由客户系统管理员自行制定更新计划: one package in the organisation's plan."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="update_plan")
    package = models.ForeignKey(Package, verbose_name=_("补丁包"), on_delete=models.PROTECT, related_name="+")
    planned_for = models.DateField(_("计划日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("更新计划")
        verbose_name_plural = _("更新计划")
        ordering = ["planned_for", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "package"], name="one_plan_entry_per_package"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.package} · {self.planned_for}"


class LicenseKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("订阅")
    PERPETUAL = "perpetual", _("永久")


class LicenseStatus(models.TextChoices):
    ACTIVE = "active", _("当前有效")
    SUPERSEDED = "superseded", _("已被升级替代")


class License(models.Model):
    """The organisation's license for one product: version, modules with user counts, kind and validity."""

    number = models.CharField(_("许可编号"), max_length=40, unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("客户组织"), on_delete=models.PROTECT, related_name="licenses"
    )
    product = models.ForeignKey(Product, verbose_name=_("产品"), on_delete=models.PROTECT, related_name="+")
    version = models.CharField(_("版本"), max_length=40)
    modules = models.JSONField(_("模块与用户数"), default=dict)
    kind = models.CharField(_("许可类型"), max_length=20, choices=LicenseKind.choices)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("到期日期"), null=True, blank=True, help_text=_("永久许可留空"))
    status = models.CharField(
        _("状态"), max_length=20, choices=LicenseStatus.choices, default=LicenseStatus.ACTIVE
    )
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    upgraded_from = models.OneToOneField(
        "self",
        verbose_name=_("升级自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="upgraded_to",
    )
    document = models.JSONField(_("签名许可文件"), default=dict, blank=True)
    key_id = models.CharField(_("签名密钥编号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("许可")
        verbose_name_plural = _("许可")
        ordering = ["organisation_id", "product_id", "-issued_at", "-id"]
        constraints = [
            # One current license per organisation and product.
            models.UniqueConstraint(
                fields=["organisation", "product"],
                condition=Q(status="active"),
                name="one_active_license_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.product} {self.version}"


class UpgradeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("已驳回")
    DELIVERED = "delivered", _("已交付")


class LicenseUpgrade(models.Model):
    """A license-upgrade application (许可升级申请) and, once approved, its order."""

    order_number = models.CharField(_("申请单号"), max_length=40, unique=True)
    license = models.ForeignKey(
        License, verbose_name=_("原许可"), on_delete=models.PROTECT, related_name="upgrades"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="license_upgrades")
    target_version = models.CharField(_("目标版本"), max_length=40)
    modules = models.JSONField(_("模块与用户数"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=UpgradeStatus.choices, default=UpgradeStatus.SUBMITTED
    )
    decision = models.JSONField(_("权益判定"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    note = models.CharField(_("申请说明"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    delivered_license = models.OneToOneField(
        License,
        verbose_name=_("交付的许可"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )

    class Meta:
        verbose_name = _("许可升级申请")
        verbose_name_plural = _("许可升级申请")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # At most one open application per license.
            models.UniqueConstraint(
                fields=["license"], condition=Q(status="submitted"), name="one_open_upgrade_per_license"
            ),
            models.CheckConstraint(
                name="delivered_upgrade_has_a_license",
                condition=~Q(status="delivered") | Q(delivered_license__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.order_number
