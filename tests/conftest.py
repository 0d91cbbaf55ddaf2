import pytest

import accelmodel as am
from accelmodel.paths import bundled_dir


@pytest.fixture(scope="session")
def hw_dir():
    return bundled_dir("hw_configs")


@pytest.fixture(scope="session")
def default_hw(hw_dir):
    return am.load_accelerator(hw_dir / "gemmini_default.yaml")


def load_hw(name: str):
    return am.load_accelerator(bundled_dir("hw_configs") / f"{name}.yaml")
