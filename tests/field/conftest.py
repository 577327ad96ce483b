"""Field-app tests: attachments go to this test's own folder."""

import pytest

from backend.core.config import Settings


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    return settings.model_copy(update={"attachment_dir": str(tmp_path / "attachments")})
