"""pytest setup: every test starts on a fresh default graph and Keras session."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")


@pytest.fixture(autouse=True)
def fresh_graph():
    from keraspp.keras import backend as K
    K.clear_session()
    yield
    K.clear_session()
