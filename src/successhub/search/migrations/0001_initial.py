import django.utils.timezone
from django.db import migrations, models

import successhub.search.models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=20, verbose_name="类型")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="对象编号")),
                ("title", models.CharField(max_length=300, verbose_name="标题")),
                ("body", models.TextField(blank=True, verbose_name="正文")),
                ("url", models.CharField(max_length=500, verbose_name="地址")),
                ("product", models.CharField(blank=True, db_index=True, max_length=40, verbose_name="产品")),
                (
                    "organisation_id",
                    models.BigIntegerField(
                        blank=True, db_index=True, help_text="留空表示公开。", null=True, verbose_name="仅本组织可见"
                    ),
                ),
                ("title_tokens", models.TextField(blank=True)),
                ("tokens", models.TextField(blank=True)),
                ("tsv", successhub.search.models.TsVectorField(blank=True, editable=False, null=True)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="更新时间")),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "搜索索引条目",
                "verbose_name_plural": "搜索索引条目",
                "indexes": [models.Index(fields=["kind", "product"], name="search_sear_kind_9282df_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="search_document_unique_object")
                ],
            },
        ),
    ]
