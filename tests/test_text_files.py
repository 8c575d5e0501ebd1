"""Text files are read by their byte-order mark (UTF-16 as Windows PowerShell and Notepad save
it, UTF-8 with a mark), and a file is saved back in the encoding it has."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from swarmtui.text_files import NotText, decode_text, encode_text, file_encoding

TEXT = 'Task("Coder", "Implement the API — ünïcode 🎉", "coder")\r\n'


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_text_is_decoded_by_its_mark_and_saved_back_the_same(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    assert decode_text(data) == (TEXT, encoding)
    assert encode_text(TEXT, encoding) == data
    path = tmp_path / "batch.md"
    path.write_bytes(data)
    assert file_encoding(path) == encoding
    assert file_encoding(tmp_path / "new.md") == "utf-8"


def test_bytes_that_are_not_text_are_said_with_where() -> None:
    with pytest.raises(NotText, match=r"^not UTF-8 text \(byte 0xff at offset 3\)$"):
        decode_text(b"abc\xff")
    with pytest.raises(NotText, match=r"^not UTF-16 LE text \(byte 0x00 at offset 2\)$"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8")  # (a lone surrogate)
