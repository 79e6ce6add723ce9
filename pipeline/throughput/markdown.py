"""Pipe tables out of a Markdown document, each with the context a reader would use: the headings
above it, a bare caption line right above it, the `unit:` line right below it, and its line number.

Only what the throughput parsers need: no escaped pipes, no HTML tables, fenced code skipped
(the TensorRT-LLM overview prints `trtllm-bench` output in code blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_SUP = re.compile(r"<sup>.*?</sup>", re.S)
_UNIT = re.compile(r"^unit:\s*`?([^`]+?)`?\s*$", re.I)


@dataclass
class Table:
    line: int                      # 1-based line of the header row
    headings: list[tuple[int, str]]  # (level, text) of the headings above, outermost first
    caption: str | None            # a plain text line directly above the table (blank lines aside)
    unit: str | None               # the `unit: ...` line directly below the table, if any
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    notes: list[str] = field(default_factory=list)  # text lines of the enclosing sections, in order

    def heading(self, level: int | None = None) -> str | None:
        """The nearest heading above (of `level`, if given), <sup> notes removed."""
        for lvl, text in reversed(self.headings):
            if level is None or lvl == level:
                return clean(text)
        return None


def clean(text: str) -> str:
    return " ".join(_SUP.sub("", text).split())


def cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [c.strip() for c in body.split("|")]


def tables(text: str) -> list[Table]:
    lines = text.splitlines()
    out: list[Table] = []
    headings: list[tuple[int, str]] = []
    notes: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (m := _HEADING.match(line)):
            level = len(m.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, m.group(2))]
            notes = [n for n in notes if n[0] < level]
        elif not fenced and line.lstrip().startswith("|") and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            table = Table(i + 1, list(headings), _caption(lines, i), None, cells(line),
                          notes=[n[1] for n in notes])
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                table.rows.append((i + 1, cells(lines[i])))
                i += 1
            table.unit = _unit_below(lines, i)
            out.append(table)
            continue
        elif not fenced and line.strip():
            notes.append((headings[-1][0] if headings else 0, line.strip()))
        i += 1
    return out


def _caption(lines: list[str], i: int) -> str | None:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return None
    text = lines[j].strip()
    if text.startswith(("#", "|", "<", "*", "-", ">", "`")):
        return None
    return text


def _unit_below(lines: list[str], i: int) -> str | None:
    while i < len(lines) and not lines[i].strip():
        i += 1
    m = _UNIT.match(lines[i].strip()) if i < len(lines) else None
    return m.group(1).strip() if m else None
