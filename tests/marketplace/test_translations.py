"""The committed Simplified Chinese catalogue is complete and its compiled file is current."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_FILE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PROJECT_APPS = [
    Path(config.path).name
    for config in apps.get_app_configs()
    if Path(config.path).parent == Path(settings.BASE_DIR)
]
SOURCE_DIRS = [*PROJECT_APPS, "marketplace", "templates"]


def _catalog(path: Path):
    with path.open("rb") as po:
        return read_po(po, locale="zh_Hans")


def test_every_message_has_a_chinese_translation():
    untranslated = [
        message.id
        for message in _catalog(PO_FILE)
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]

    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for message in _catalog(PO_FILE):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert compiled.ngettext(*message.id, 2) == message.string[0], message.id
        elif message.context:
            translated = compiled.pgettext(message.context, message.id)
            assert translated == message.string, (message.context, message.id)
        else:
            assert compiled.gettext(message.id) == message.string, message.id


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext")
def test_no_marked_string_is_missing_from_the_catalogue(tmp_path):
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = Path(settings.BASE_DIR) / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "marketplace.settings"},
    )

    extracted = {
        message.id for message in _catalog(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po")
    }
    committed = {message.id for message in _catalog(PO_FILE)}
    assert extracted == committed
