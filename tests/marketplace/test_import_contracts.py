"""The import-linter contracts (pyproject.toml, run by `make lint`) name every app of the project.

import-linter checks only the packages it is told about: an app left out of them could import
upwards unnoticed, so a new app fails here until it is placed in a layer.
"""

import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

IMPORT_LINTER = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"][
    "importlinter"
]


def project_apps() -> set[str]:
    base = Path(settings.BASE_DIR).resolve()
    return {
        config.name
        for config in apps.get_app_configs()
        # An app folder at the top of the project (the venv may live inside it too).
        if Path(config.path).resolve().parent == base
    }


def contract(contract_id: str) -> dict:
    [found] = [c for c in IMPORT_LINTER["contracts"] if c.get("id") == contract_id]
    return found


def test_every_app_and_the_project_package_are_analysed():
    assert set(IMPORT_LINTER["root_packages"]) == project_apps() | {"marketplace"}


def test_every_app_has_exactly_one_layer():
    placed = [
        name.strip()
        for layer in contract("layers")["layers"]
        for name in re.split(r"[|:]", layer)
        if name.strip() in project_apps()
    ]

    assert sorted(placed) == sorted(project_apps())


def test_no_app_may_import_another_apps_views():
    assert set(contract("views")["source_modules"]) == project_apps()
