"""What XML and CSV writers emit of stored text: well-formed XML, cells a spreadsheet never runs."""
import csv
import io
import xml.etree.ElementTree as ET

import pytest

from core.text import CONTROL_CHARACTER, csv_cell, xml_text

EVERY_BMP_CHARACTER = "".join(chr(c) for c in range(0x10000))


def test_xml_text_keeps_only_what_xml_1_0_can_carry():
    element = ET.Element("description")
    element.text = xml_text(EVERY_BMP_CHARACTER + "\U0001f3e1\U0010ffff")
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode")).text  # noqa: S314 - built here
    assert "\t\n" in parsed and "\U0001f3e1" in parsed and "\U0010ffff" in parsed
    removed = {chr(c) for c in range(0x10000)} - set(parsed) - {"\r"}  # a parser turns CR into LF
    assert removed == ({chr(c) for c in range(0x20)} - {"\t", "\n", "\r"}) | \
        {chr(c) for c in range(0xD800, 0xE000)} | {"\ufffe", "\uffff"}


def test_xml_text_leaves_ordinary_text_alone():
    assert xml_text("3号楼 <东门> & 西门\t\n") == "3号楼 <东门> & 西门\t\n"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_would_start_a_formula_are_quoted(value):
    assert csv_cell(value) == "'" + value


def test_csv_cells_drop_control_characters_and_keep_numbers():
    assert csv_cell("张\x00三\x1b") == "张三"
    assert csv_cell(-250) == -250 and csv_cell(None) is None
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(v) for v in ("=1+1", "a,b", "ok", -3)])
    assert out.getvalue() == "'=1+1,\"a,b\",ok,-3\r\n"


def test_the_edge_refuses_exactly_the_c0_and_c1_controls_but_tab_and_line_breaks():
    refused = {chr(c) for c in range(0x10000) if CONTROL_CHARACTER.search(chr(c))}
    assert refused == {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\t", "\n", "\r"}
