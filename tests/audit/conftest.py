from tests.walkin.conftest import walkin_network  # noqa: F401
