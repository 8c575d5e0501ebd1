"""The user's text files (batches, agent files, the configuration) read in the encoding they were
saved in, and a batch saved back in it.

Windows saves text as UTF-16 with a byte-order mark (PowerShell 5's `>` and `Out-File`,
Notepad's "Unicode") or as UTF-8 with one (Notepad, some editors). Such a file is decoded by its
mark, which is not part of the text: line 1's columns are where an editor shows them. Any other
file must be UTF-8: guessing at other encodings would read binary files as noise.

Saving keeps the encoding the file has (`file_encoding`): a UTF-16 batch edited in swarmtui stays
UTF-16, with its mark, for the Windows tools that wrote it; a new file is UTF-8.
"""

from __future__ import annotations

import codecs
from pathlib import Path

UTF8 = "utf-8"
# Byte-order marks, and the encoding of the text after each (UTF-8's first: it is not a prefix
# of another).
_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
NAMES = {
    UTF8: "UTF-8",
    "utf-8-sig": "UTF-8 with a byte-order mark",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
}
# What a reader is told a text file can be.
READABLE = "UTF-8, or UTF-16 with a byte-order mark"


class NotText(ValueError):
    """Bytes that are not text in an encoding swarmtui reads; the message says where."""


def decode_text(data: bytes) -> tuple[str, str]:
    """DATA's text (without its byte-order mark) and its encoding (a key of `NAMES`)."""
    encoding, skip = UTF8, 0
    for mark, marked in _MARKS:
        if data.startswith(mark):
            encoding, skip = marked, len(mark)
            break
    codec = UTF8 if encoding == "utf-8-sig" else encoding
    try:
        return data[skip:].decode(codec), encoding
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        raise NotText(f"not {NAMES[codec]} text (byte 0x{data[at]:02x} at offset {at})") from None


def encode_text(text: str, encoding: str) -> bytes:
    """TEXT in ENCODING (a key of `NAMES`), with its byte-order mark when it has one."""
    for mark, marked in _MARKS:
        if marked == encoding:
            codec = UTF8 if encoding == "utf-8-sig" else encoding
            return mark + text.encode(codec)
    return text.encode(UTF8)


def file_encoding(path: Path) -> str:
    """The encoding of the file at PATH, by its byte-order mark: UTF-8 when it has none, or
    when there is no such file (or it cannot be read)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(3)
    except OSError:
        return UTF8
    return next((marked for mark, marked in _MARKS if head.startswith(mark)), UTF8)


def read_text_file(path: Path) -> str:
    """The text of the file at PATH (see `decode_text`), its line ends made `\\n` as Python's
    text files make them. Raises OSError, or NotText."""
    text, _ = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")
