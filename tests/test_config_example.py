"""config.example.toml documents every key, and it loads to exactly the defaults."""

from __future__ import annotations

import tomllib

from scanner_tui.config import Config, load_config
from tests.conftest import REPO


def test_example_config_loads_and_covers_every_key():
    example = REPO / "config.example.toml"
    loaded = load_config(example)
    defaults = Config()
    data = tomllib.loads(example.read_text())
    for section, model in defaults:
        assert section in data, f"[{section}] missing from config.example.toml"
        text = example.read_text()
        for key in type(model).model_fields:
            assert f"{key} =" in text, f"{section}.{key} is not documented"
        if section not in ("database", "terminal"):
            assert getattr(loaded, section) == model
