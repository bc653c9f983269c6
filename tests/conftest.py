import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Spec checks are cached by content; keep the cache out of the user's home."""
    os.environ["WAREHOUSE_CACHE_DIR"] = str(tmp_path_factory.mktemp("spec-cache"))


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Four days of generated data (the third is missing) and the facts the generator knows."""
    from warehouse.sample import write_sample

    out = tmp_path_factory.mktemp("sample")
    facts = write_sample(out, days=4, events_per_day=400, songs=60, seed=11)
    return out, facts
