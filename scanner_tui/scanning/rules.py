"""Tag rules: the site's own tag formats, compiled once from the configuration.

Every rule must match the whole code (``fullmatch``) and is compiled with ``re.ASCII``, so a
full-width digit is not a digit and ``\\w`` means ``[A-Za-z0-9_]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner_tui.config import Config, ScannerConfig, TagsConfig

GS = "\x1d"


def compile_rule(pattern: str) -> re.Pattern[str]:
    """Compile one tag rule the way classification uses it (ASCII semantics)."""
    return re.compile(pattern, re.ASCII)


@dataclass(frozen=True, slots=True)
class TagRules:
    """What classification needs from the configuration, ready to use."""

    bin: re.Pattern[str]
    asset: re.Pattern[str]
    badge: re.Pattern[str]
    command: re.Pattern[str]
    max_length: int = 256
    gs_substitute: str = ""  # the character a wedge sends instead of GS (ASCII 29); "" = none

    @classmethod
    def from_sections(cls, tags: TagsConfig, scanner: ScannerConfig | None = None) -> TagRules:
        return cls(
            bin=compile_rule(tags.bin),
            asset=compile_rule(tags.asset),
            badge=compile_rule(tags.badge),
            command=compile_rule(tags.command),
            max_length=tags.max_length,
            gs_substitute=scanner.gs_substitute if scanner is not None else "",
        )

    @classmethod
    def from_config(cls, config: Config) -> TagRules:
        """Rules from ``[tags]`` and ``[scanner] gs_substitute``."""
        return cls.from_sections(config.tags, config.scanner)

    @classmethod
    def from_patterns(
        cls,
        *,
        bin: str | None = None,
        asset: str | None = None,
        badge: str | None = None,
        command: str | None = None,
        max_length: int | None = None,
        gs_substitute: str = "",
    ) -> TagRules:
        """The defaults with some rules replaced (handy in tests and tools)."""
        given = {"bin": bin, "asset": asset, "badge": badge, "command": command,
                 "max_length": max_length}
        tags = TagsConfig(**{k: v for k, v in given.items() if v is not None})
        return cls.from_sections(tags, ScannerConfig(gs_substitute=gs_substitute))

    @property
    def separators(self) -> tuple[str, ...]:
        """Characters that separate GS1 fields: GS, and the configured substitute if any."""
        return (GS, self.gs_substitute) if self.gs_substitute else (GS,)


DEFAULT_RULES = TagRules.from_sections(TagsConfig())
