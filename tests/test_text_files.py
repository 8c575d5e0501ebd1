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


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_mark_is_told_by_its_nul_bytes(tmp_path: Path, encoding: str) -> None:
    # (some Windows tools and clipboards write UTF-16 without a mark: it was read as UTF-8,
    # a NUL after every character, and the batch was one syntax error)
    data = TEXT.encode(encoding)
    assert decode_text(data) == (TEXT, encoding)
    path = tmp_path / "batch.md"
    path.write_bytes(data)
    assert file_encoding(path) == encoding  # (saved back as UTF-16, given its mark)
    longer = tmp_path / "longer.md"
    longer.write_bytes((TEXT * 200).encode(encoding) + b"\0")  # (odd: not UTF-16 after all)
    assert file_encoding(longer) == encoding  # (its head says UTF-16: its length cannot)


def test_only_mostly_ascii_text_with_nuls_on_one_side_is_unmarked_utf16() -> None:
    # UTF-8 with a stray NUL, and bytes with NULs on both sides (binary) stay UTF-8; so does
    # UTF-16 text mostly not ASCII (not UTF-8: said so), and UTF-16 that does not decode.
    for data in (b"Task(x)\0\n", b"\0\0\0\0ab\0\0"):
        assert decode_text(data)[1] == "utf-8"
    for data in ("调研状态管理库并写出报告".encode("utf-16-le"), b"a\0b\0c\0\xff\xdc"):
        with pytest.raises(NotText, match=r"^not UTF-8"):
            decode_text(data)
