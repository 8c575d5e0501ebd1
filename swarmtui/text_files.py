"""The user's text files (batches, agent files, the configuration) read in the encoding they were
saved in, and a batch saved back in it.

Windows saves text as UTF-16 with a byte-order mark (PowerShell 5's `>` and `Out-File`,
Notepad's "Unicode") or as UTF-8 with one (Notepad, some editors). Such a file is decoded by its
mark, which is not part of the text: line 1's columns are where an editor shows them. UTF-16
without its mark (some tools and clipboards write it) is told by the NUL byte of each ASCII
character, always on the same side: only for text that is mostly ASCII (a batch is), which no
UTF-8 text is. Any other file must be UTF-8: guessing at other encodings would read binary files
as noise.

Saving keeps the encoding the file has (`file_encoding`): a UTF-16 batch edited in swarmtui stays
UTF-16, with its mark (given one when it had none), for the Windows tools that wrote it; a new
file is UTF-8.
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


# How much of a file without a mark is looked at to tell UTF-16 by its NUL bytes.
_SAMPLE = 4096


class NotText(ValueError):
    """Bytes that are not text in an encoding swarmtui reads; the message says where."""


def decode_text(data: bytes) -> tuple[str, str]:
    """DATA's text (without its byte-order mark) and its encoding (a key of `NAMES`)."""
    encoding, skip = UTF8, 0
    for mark, marked in _MARKS:
        if data.startswith(mark):
            encoding, skip = marked, len(mark)
            break
    else:
        unmarked = _unmarked_utf16(data)
        if unmarked is not None:
            try:
                return data.decode(unmarked), unmarked
            except UnicodeDecodeError:
                pass  # (not UTF-16 after all: said as UTF-8's error below)
    codec = UTF8 if encoding == "utf-8-sig" else encoding
    try:
        return data[skip:].decode(codec), encoding
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        raise NotText(f"not {NAMES[codec]} text (byte 0x{data[at]:02x} at offset {at})") from None


def _unmarked_utf16(data: bytes) -> str | None:
    """The UTF-16 DATA is in when it has no byte-order mark: in its first bytes, at least three
    characters in four are ASCII (a NUL byte, then not: `T`, NUL, `a`, NUL in little-endian) and
    almost none has its NUL on the other side. None otherwise (UTF-8 text has no NUL)."""
    sample = data[:_SAMPLE]
    if len(data) % 2 or len(sample) < 4 or b"\0" not in sample:
        return None
    units = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for nuls, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls * 4 >= units * 3 and other * 16 <= units:
            return codec
    return None


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
            head = handle.read(_SAMPLE)
            whole = len(head) < _SAMPLE or not handle.read(1)
    except OSError:
        return UTF8
    marked = next((marked for mark, marked in _MARKS if head.startswith(mark)), None)
    if marked is not None:
        return marked
    # (the head of a longer file: its length says nothing of the whole's)
    return _unmarked_utf16(head if whole else head[: len(head) // 2 * 2]) or UTF8


def read_text_file(path: Path) -> str:
    """The text of the file at PATH (see `decode_text`), its line ends made `\\n` as Python's
    text files make them. Raises OSError, or NotText."""
    text, _ = decode_text(path.read_bytes())
    return text.replace("\r\n", "\n").replace("\r", "\n")
