"""The serving process reads the expected migration heads without Alembic: the same answer."""

import sys

from backend.core.migrate import alembic_config, head_revisions


def test_heads_read_from_the_files_are_alembics():
    from alembic.script import ScriptDirectory

    url = "sqlite+aiosqlite:///unused.db"
    expected = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    assert head_revisions(url) == expected and expected


def test_the_app_module_does_not_import_the_rare_heavy_libraries():
    import subprocess

    code = (
        "import sys, backend.main; "
        "print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'segno', 'shapely', 'alembic', 'PIL')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
