import pytest

from tests.conftest import EXAMPLES
from vuoro.guidance.defaults import install_default_rules
from vuoro.guidance.models import GuidanceRule
from vuoro.network.networkfile import parse_network
from vuoro.network.services import network_load


@pytest.fixture
def rules(db):
    """The shipped rules (installed by a migration; put back here after a transactional test's flush)."""
    if not GuidanceRule.objects.exists():
        install_default_rules(GuidanceRule)
    return GuidanceRule.objects.all()


@pytest.fixture
def demo_network(db):
    """The demo network of examples/network.toml: seven services, eleven points."""
    return network_load(spec=parse_network((EXAMPLES / "network.toml").read_text(), "network.toml"))
