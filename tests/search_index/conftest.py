import pytest

from tests.search_index.demo_docs import load_demo_index


@pytest.fixture
def demo_index(db):
    """The demo knowledge base in the search index (rolled back after the test)."""
    load_demo_index()
