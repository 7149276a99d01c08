"""``successhub reindex``: a progress bar on stderr and a final count."""

from __future__ import annotations

import pytest

from successhub.cli import main
from successhub.search.models import SearchDocument

community = pytest.importorskip("successhub.community.models")


def test_reindex_rebuilds_the_index_and_drops_stale_rows(db, capsys):
    community.Faq.objects.create(key="r1", question="问一", answer="答一")
    community.Faq.objects.create(key="r2", question="问二", answer="答二", is_hidden=True)
    SearchDocument.objects.all().delete()
    SearchDocument.objects.create(kind="faq", object_id=999999, title="已删除", url="/x/")

    assert main(["reindex", "--kind", "faq"]) == 0

    out, err = capsys.readouterr()
    assert "[##############################] 2/2 faq" in err
    assert out.strip() == "Indexed 1 documents (faq 1); removed 1 stale."
    assert list(SearchDocument.objects.values_list("title", flat=True)) == ["问一"]


def test_an_unknown_kind_is_a_usage_error(db, capsys):
    assert main(["reindex", "--kind", "nonsense"]) == 2
    assert "unknown kind nonsense" in capsys.readouterr().err
