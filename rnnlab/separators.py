"""CSV field separators as people name them: `tab` where a shell argument cannot hold the character.

`task.delimiter` (config), `rnnlab data --delimiter` and a preset all read a separator through
`delimiter_of`: one character as it is, or one of DELIMITER_NAMES.
"""

from __future__ import annotations

# what people type for a separator they cannot type into a shell argument as one character
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def delimiter_of(text: str) -> str:
    """A CSV separator as one character: `;`, or a name (`tab`, `\\t`, `semicolon` ...)."""
    got = DELIMITER_NAMES.get(text.strip().lower(), text) if len(text) != 1 else text
    if len(got) != 1:
        raise ValueError(f"expected one character (',', ';', '|') or a name: {', '.join(DELIMITER_NAMES)}")
    return got


def as_delimiter(value: object) -> object:
    """task.delimiter's validator: a text value read through delimiter_of, anything else as it is."""
    return delimiter_of(value) if isinstance(value, str) else value


__all__ = ["DELIMITER_NAMES", "as_delimiter", "delimiter_of"]
