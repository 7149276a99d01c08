"""The search index: one row per searchable object, its text and its jieba tokens.

The database's own full-text index sits beside this table: on SQLite an FTS5
table (``search_fts``) kept in step by triggers, on PostgreSQL the ``tsv``
column (weighted title + body tokens) kept by a trigger and a GIN index. Both
are created by migration ``0002`` for the database in use. Migration ``0003``
adds the same over the title alone (``search_title_fts``; ``title_tsv``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TsVectorField(models.Field):
    """A PostgreSQL ``tsvector`` column; plain (always empty) text elsewhere."""

    description = "Full-text vector (PostgreSQL only)"

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(models.Model):
    kind = models.CharField(_("类型"), max_length=20)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("正文"), blank=True)
    url = models.CharField(_("地址"), max_length=500)
    product = models.CharField(_("产品"), max_length=40, blank=True, db_index=True)
    organisation_id = models.BigIntegerField(
        _("仅本组织可见"), null=True, blank=True, db_index=True, help_text=_("留空表示公开。")
    )
    title_tokens = models.TextField(blank=True)
    tokens = models.TextField(blank=True)
    tsv = TsVectorField(null=True, blank=True, editable=False)
    title_tsv = TsVectorField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("搜索索引条目")
        verbose_name_plural = _("搜索索引条目")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique_object")
        ]
        indexes = [models.Index(fields=["kind", "product"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"
