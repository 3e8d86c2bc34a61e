from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The content cache is off in the tests (they monkeypatch the catalog and the checks in
# process, which no cache key can see); tests/cache/ turns it on where it is the subject.
os.environ["ALINT_NO_CACHE"] = "1"


@pytest.fixture
def repo_root() -> Path:
    return ROOT
