"""Session fixtures that build the offline slide decks and the course website once.

`built_slides` and `built_book` run scripts/build_slides.py and scripts/build_book.py
into pytest's temporary folder (never into the working tree) from the committed
notebooks; test_slides_build.py, test_book.py and test_browser_offline.py share them.
Both need the pinned JavaScript in node_modules/ (`make vendor`; `make test` runs it).
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402
import build_slides  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _need_node_modules():
    missing = [p for p in ("reveal.js", "mathjax", "mathjax2", "requirejs")
               if not (ROOT / "node_modules" / p).is_dir()]
    if missing:
        pytest.fail(f"node_modules/ lacks {', '.join(missing)}: run `make vendor` (npm ci; "
                    f"`make test` does it) before the slide and website tests.")


@pytest.fixture(scope="session")
def built_slides(tmp_path_factory):
    """The folder with one deck per notebook and vendor/, as `make slides` writes it."""
    _need_node_modules()
    out = tmp_path_factory.mktemp("slides")
    build_slides.main(["--out", str(out)])
    return out


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The built site's html/ folder, as `make book` writes it (checks included)."""
    _need_node_modules()
    html, _ = build_book.build(tmp_path_factory.mktemp("book"))
    return html
