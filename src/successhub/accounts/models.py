from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    MAINLAND = "mainland", _("中国大陆")
    HONG_KONG = "hong_kong", _("中国香港")
    MACAU = "macau", _("中国澳门")
    OVERSEAS = "overseas", _("海外")


class Organisation(models.Model):
    """A customer company."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    code = models.SlugField(_("客户编码"), max_length=50, unique=True)
    region = models.CharField(_("服务区域"), max_length=20, choices=Region.choices, default=Region.MAINLAND)
    technical_manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("专属技术经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organisations",
        limit_choices_to={"role": "technical_manager"},
    )
    account_manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("客户经营人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_organisations",
        limit_choices_to={"role": "account_manager"},
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("客户组织")
        verbose_name_plural = _("客户组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CUSTOMER_USER = "customer_user", _("客户用户")
    CUSTOMER_ADMIN = "customer_admin", _("客户管理员")
    SUPPORT_ENGINEER = "support_engineer", _("技术支持工程师")
    TECHNICAL_MANAGER = "technical_manager", _("专属技术经理")
    ACCOUNT_MANAGER = "account_manager", _("客户经营人员")
    OPS_ENGINEER = "ops_engineer", _("运维工程师")
    SERVICE_ADMIN = "service_admin", _("服务管理员")


CUSTOMER_ROLES = frozenset({Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN})


class User(AbstractUser):
    """Anyone who signs in: customer users belong to an organisation; staff do not."""

    role = models.CharField(_("角色"), max_length=30, choices=Role.choices, default=Role.CUSTOMER_USER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("客户组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(_("手机验证时间"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("邮箱验证时间"), null=True, blank=True)
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    language = models.CharField(_("界面语言"), max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="customer_roles_have_an_organisation",
                condition=~Q(role__in=["customer_user", "customer_admin"]) | Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_customer(self) -> bool:
        return self.role in CUSTOMER_ROLES

    @property
    def is_service_staff(self) -> bool:
        return not self.is_customer

    @property
    def is_verified(self) -> bool:
        """注册认证: a customer user counts as verified once a phone or e-mail code was confirmed."""
        return bool(self.phone_verified_at or self.email_verified_at)


class VerificationCode(models.Model):
    """A one-time code sent to a phone or an e-mail address (only its hash is stored)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("手机")
        EMAIL = "email", _("邮箱")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="verification_codes")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.target}"


class ApiToken(models.Model):
    """A bearer token for API clients (the product's in-app entry, the hotline desk, scripts)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
