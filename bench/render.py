"""Rendering community posts: today's renderer (markdown-it-py + Pygments + nh3) beside the
regular-expression subset it replaced (``bench/legacy_markup.py``), in the same run.

1. 10,000 demo-sized posts (the demo knowledge base, questions, FAQ and lessons, cycled, each made
   unique so no cache helps): posts per second for each renderer, and for today's with its
   per-process cache warm (a post rendered again, as on a popular page).
2. The page of a long article (40 sections of Markdown: headings, tables, code, lists, pictures)
   through the Django test client on a throwaway SQLite database: median and p95 server time of
   a reader's view after publishing (the service rendered it into the shared cache at save; this
   process has not seen it), of repeat views, and of a view with no cache at all (worst case).
   Target: under 50 ms.

Usage: python bench/render.py   (BENCH_POSTS=10000, BENCH_ROUNDS=50)
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = tempfile.mkdtemp(prefix="successhub-render-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{VAR}/bench.sqlite3"
os.environ["SUCCESSHUB_VAR_DIR"] = VAR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
POSTS = int(os.environ.get("BENCH_POSTS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def _legacy():
    spec = importlib.util.spec_from_file_location("legacy_markup", ROOT / "bench" / "legacy_markup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_posts() -> list[str]:
    import yaml

    content = ROOT / "src" / "successhub" / "demo" / "content"
    texts: list[str] = []

    def walk(node, fields):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in fields and isinstance(value, str) and value.strip():
                    texts.append(value)
                else:
                    walk(value, fields)
        elif isinstance(node, list):
            for value in node:
                walk(value, fields)

    for name, fields in (("kb.yaml", {"body"}), ("questions.yaml", {"body"}), ("faq.yaml", {"answer"}),
                         ("courses.yaml", {"body"})):  # fmt: skip
        walk(yaml.safe_load((content / name).read_text(encoding="utf-8")), fields)
    return texts


def long_article() -> str:
    section = """## 第 {n} 步：检查期间与凭证

打开 **总账 › 凭证查询**，按期间过滤，确认没有未过账凭证。参见 [月结检查清单](/kb/month-end-checklist)。

| 检查项 | 位置 | 说明 |
| --- | :-: | --- |
| 未过账凭证 | 凭证查询 | 必须全部过账 |
| 损益结转 | 期末处理 | 结转后再结账 |

1. 打开期末处理
   - 选择账簿
   - 选择期间
2. 点击 `结账`

```sql
select count(*) from t_gl_voucher where fperiod = {n} and fposted = 0;
```

> 注意：结账后不能再录入本期凭证。

![第 {n} 步截图](/community/images/abcdefghijklmnopqrstu{n:02d}/)
"""
    return "\n".join(section.format(n=n) for n in range(1, 41))


def rate(render, texts: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    for text in texts:
        render(text)
    seconds = time.perf_counter() - started
    return len(texts) / seconds, seconds


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from successhub.community import markup

    legacy = _legacy()
    base = demo_posts()
    if not base:
        print("no demo content found", file=sys.stderr)
        return 2
    posts = [f"{base[i % len(base)]}\n\n（第 {i} 帖）" for i in range(POSTS)]
    average = sum(len(p) for p in posts) / len(posts)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared with other work)")
    print(f"{POSTS:,} posts from {len(base)} demo texts, {average:,.0f} characters on average")
    legacy_rate, _ = rate(legacy.render_markdown, posts)
    markup._render.cache_clear()
    today_rate, _ = rate(lambda text: markup._render(text), posts)
    cached_rate, _ = rate(lambda text: markup._render(text), posts[-2000:])
    print(f"  legacy regular-expression subset: {legacy_rate:9,.0f} posts/s")
    print(
        f"  markdown-it-py + Pygments + nh3:  {today_rate:9,.0f} posts/s  ({today_rate / legacy_rate:.2f}x)"
    )
    print(f"  ... a post rendered again (cache): {cached_rate:9,.0f} posts/s")

    call_command("migrate", interactive=False, verbosity=0)
    from django.test import Client

    from successhub.accounts.models import Role, User
    from successhub.community.models import Article, KbCatalogue

    body = long_article()
    catalogue = KbCatalogue.objects.create(key="bench", title="基准")
    article = Article.objects.create(slug="long-article", title="月结全流程", body=body, catalogue=catalogue)
    reader = User.objects.create_user("bench-reader", password="x", role=Role.SUPPORT_ENGINEER)
    client = Client()
    client.force_login(reader)
    url = article.get_absolute_url()
    legacy_ms = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        legacy.render_markdown(body)
        legacy_ms.append((time.perf_counter() - started) * 1000)
    from django.core.cache import cache

    cold = []
    for _ in range(ROUNDS):
        markup._render.cache_clear()
        cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        cold.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    first = []
    for _ in range(ROUNDS):
        markup._render.cache_clear()  # another worker process: only the shared cache has it
        started = time.perf_counter()
        client.get(url)
        first.append((time.perf_counter() - started) * 1000)
    repeat = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.get(url)
        repeat.append((time.perf_counter() - started) * 1000)
    print(
        f"long article: {len(body):,} characters, {body.count('## ')} sections; whole page over the test client"
    )
    print(f"  legacy renderer alone:          median {statistics.median(legacy_ms):6.1f} ms")
    print(f"  page, first view after publish: median {statistics.median(first):6.1f} ms   "
          f"p95 {percentile(first, 0.95):6.1f} ms   (target < 50 ms)")  # fmt: skip
    print(f"  page, repeat views:             median {statistics.median(repeat):6.1f} ms   "
          f"p95 {percentile(repeat, 0.95):6.1f} ms")  # fmt: skip
    print(f"  page, no cache at all:          median {statistics.median(cold):6.1f} ms   "
          f"p95 {percentile(cold, 0.95):6.1f} ms   (worst case)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
