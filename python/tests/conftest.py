"""Shared fixtures of the gembed Python tests.

The test models live in the shared fixtures folder: $GEMBED_SHARED_DIR, else ../shared
beside the repository. A missing fixture fails the tests that need it (never a skip).
"""

import json
import os

import numpy as np
import pytest

import gembed

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def shared_dir():
    return os.environ.get("GEMBED_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared")


def model_dir(name):
    path = os.path.join(shared_dir(), "fixtures", "models", name)
    assert os.path.isdir(path), f"fixture model {path} is missing (set GEMBED_SHARED_DIR)"
    return path


@pytest.fixture(scope="session")
def tiny_text_dir():
    return model_dir("tiny-text")


@pytest.fixture(scope="session")
def model(tiny_text_dir):
    return gembed.Model(tiny_text_dir, threads=2)


@pytest.fixture(scope="session")
def expected():
    path = os.path.join(shared_dir(), "fixtures", "models", "tiny-text.expected.json")
    with open(path, encoding="utf-8") as f:  # FileNotFoundError when absent: a failure
        return json.load(f)


@pytest.fixture(scope="session")
def cases(expected):
    return {c["name"]: c for c in expected["cases"]}


# Tolerances for an f32 engine, from shared/fixtures/README.md.
EMBEDDING_TOL = 1e-5
EMBEDDING_COS = 0.99999


def assert_close_embedding(got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) <= EMBEDDING_TOL
    cos = got @ want / (np.linalg.norm(got) * np.linalg.norm(want))
    assert cos >= EMBEDDING_COS
