"""Hypothesis strategies shared by the suites: hostile questions, as people and bots may type them."""

from __future__ import annotations

from hypothesis import strategies as st

# Markup, mentions, invisible and control characters, lone surrogates, emoji, and words of the documents.
PIECES = ["@everyone", "@here", "<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>",
          "<#123456789012345678>", "</ask:123456789012345678>", "**", "__", "~~", "||", "`", "```", "```py\n",
          "> ", "# ", "-# ", "[x](https://evil.example)", "https://discord.gg/invite", "\\", "😀", "👨‍👩‍👧",
          "e\u0301", "\n", "\r", "\t", "\x00", "\x1b[31m", "\x7f", "\x85", "\u200b", "\u202e", "\u2066", "\ufeff",
          "\U000e0041", "\ud800", "\udcff", "\ufffd", "\uffff", "?", "!", "…", "'", '"', "le ", "la ", "les ",
          "de ", "des ", "est ", "qui ", "que ", "quoi ", "the ", "is ", "what ", "Nvidia ", "H20 ",
          "Jensen Huang ", " "]
# Any code point at all, lone surrogates and control characters included.
ANY_CHAR = st.characters(exclude_categories=())


def questions(min_size: int = 0) -> st.SearchStrategy[str]:
    """Arbitrary text, a mix of hostile pieces, or long repeats (up to 6000 characters) of one piece."""
    return st.one_of(
        st.text(ANY_CHAR, min_size=min_size, max_size=1200),
        st.lists(st.one_of(st.sampled_from(PIECES), st.text(ANY_CHAR, max_size=8)), min_size=min_size,
                 max_size=80).map("".join).filter(lambda q: len(q) >= min_size),
        st.builds(lambda piece, n: (piece * n)[:6000], st.sampled_from(PIECES), st.integers(1, 6000)),
    )
