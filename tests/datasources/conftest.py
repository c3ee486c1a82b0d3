import pytest

from examples.shop.generate import build_shop


@pytest.fixture(autouse=True)
def shop_files_allowed(settings, tmp_path_factory):
    """The shop files live under pytest's temporary directory: the operator's setting allows
    it here, explicitly (by default no directory is allowed for SQLite files)."""
    settings.PERSONVERN_SQLITE_DIRS = [str(tmp_path_factory.getbasetemp())]


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "template.sqlite3"
    build_shop(f"sqlite:///{path}", 60, 42)
    return path


@pytest.fixture
def shop(tmp_path, shop_template):
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(shop_template.read_bytes())
    return path
