"""cross_language.py: search variants named on the command line, screened on the questions across languages."""

from __future__ import annotations

from benchmarks.cross_language import parse_variant


def test_a_variant_names_its_settings():
    """`name:key=value,...` gives the variant's name and each setting it changes; `base:` changes none."""
    assert parse_variant("w1:translation_weight=1.0,PER_STEM=5") == (
        "w1", {"translation_weight": "1.0", "PER_STEM": "5"})
    assert parse_variant("base:") == ("base", {})
