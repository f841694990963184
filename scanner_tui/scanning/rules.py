"""Tag rules: the site's own tag formats, compiled once from the configuration.

Every rule must match the whole code (``fullmatch``) and runs on RE2 (linear time, see
``scanner_tui.linear_regex``), where a full-width digit is not a digit and ``\\w`` means
``[A-Za-z0-9_]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner_tui.config import Config, ScannerConfig, TagsConfig
from scanner_tui.linear_regex import FirstMatch, LinearPattern, compile_linear
from scanner_tui.scanning.gs1 import Options
from scanner_tui.scanning.variable_measure import DEFAULT_SCHEME, Scheme

GS = "\x1d"


def compile_rule(pattern: str) -> LinearPattern:
    """Compile one tag rule the way classification uses it (linear time, ASCII classes)."""
    return compile_linear(pattern)


@dataclass(frozen=True, slots=True)
class TagRules:
    """What classification needs from the configuration, ready to use."""

    bin: LinearPattern
    asset: LinearPattern
    badge: LinearPattern
    command: LinearPattern
    max_length: int = 256
    gs_substitute: str = ""  # the character a wedge sends instead of GS (ASCII 29); "" = none
    caps_lock: bool = True  # take a code upper-cased when only that matches a rule
    gln_extension_is_bin: bool = False  # GS1 (414)+(254): the extension is the bin code
    variable_measure: Scheme = DEFAULT_SCHEME
    # built from the fields above: the GS1 reading options (its answer cache key) and the
    # four rules in one RE2 set, in the order classification tries them
    gs1: Options = field(init=False)
    first_rule: FirstMatch = field(init=False)

    def __post_init__(self) -> None:
        separators = (GS, self.gs_substitute) if self.gs_substitute else (GS,)
        object.__setattr__(self, "gs1", Options(separators, self.variable_measure,
                                                self.gln_extension_is_bin))
        object.__setattr__(self, "first_rule",
                           FirstMatch([self.command, self.badge, self.bin, self.asset]))

    @classmethod
    def from_sections(cls, tags: TagsConfig, scanner: ScannerConfig | None = None) -> TagRules:
        return cls(
            bin=compile_rule(tags.bin),
            asset=compile_rule(tags.asset),
            badge=compile_rule(tags.badge),
            command=compile_rule(tags.command),
            max_length=tags.max_length,
            gs_substitute=scanner.gs_substitute if scanner is not None else "",
            caps_lock=tags.caps_lock,
            gln_extension_is_bin=tags.gln_extension_is_bin,
            variable_measure=Scheme.from_tags(tags),
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
        **other: object,
    ) -> TagRules:
        """The defaults with some rules replaced (handy in tests and tools); ``other`` takes
        any other ``[tags]`` key (``caps_lock=False``, ``gln_extension_is_bin=True``...)."""
        given = {"bin": bin, "asset": asset, "badge": badge, "command": command,
                 "max_length": max_length, **other}
        tags = TagsConfig(**{k: v for k, v in given.items() if v is not None})
        return cls.from_sections(tags, ScannerConfig(gs_substitute=gs_substitute))

    @property
    def separators(self) -> tuple[str, ...]:
        """Characters that separate GS1 fields: GS, and the configured substitute if any."""
        return self.gs1.separators


DEFAULT_RULES = TagRules.from_sections(TagsConfig())
