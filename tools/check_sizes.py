#!/usr/bin/env python3
"""Checks the size rules of the code (README, Architecture): every file under cli/ has at most 200
lines, and no function anywhere (src/, include/, cli/, tests/, bench/, examples/) has a body of
more than 80 lines. Test bodies (TEST, TEST_F, …) count as functions. Prints each offender and exits
1 if there is one."""
import pathlib
import re
import sys

MAX_CLI_LINES = 200
MAX_FUNCTION_LINES = 80
DIRS = ("src", "include", "cli", "tests", "bench", "examples")


def strip(text: str) -> str:
    """The text with comments, string and character literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
            out.append(c)  # a digit separator: 2'048'000
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    # Preprocessor lines are not code at any scope.
    return re.sub(r"(?m)^[ \t]*#.*$", lambda m: " " * len(m.group(0)), "".join(out))


def functions(text: str):
    """(name, first line, lines) of every function body at namespace or class scope."""
    code = strip(text)
    scopes = []  # 'ns' (namespace/class/extern), 'fn' or 'other', with start offsets
    last = 0     # offset after the last ; { or } at the current scope
    for i, c in enumerate(code):
        if c == "{":
            head = code[last:i].strip()
            if all(s[0] == "ns" for s in scopes):
                words = head.split()
                if re.match(r"^(namespace|class|struct|union|extern)\b", head) or re.search(r"\b(class|struct)\s+\w+[^()]*$", head):
                    kind = "ns"
                elif "(" in head and not re.search(r"=\s*$", head) and not re.match(r"^(enum)\b", head) \
                        and not re.search(r"\)\s*=", head):
                    kind = "fn"
                else:
                    kind = "other"
            else:
                kind = "other"
            scopes.append((kind, i, head))
            last = i + 1
        elif c == "}":
            if scopes:
                kind, start, head = scopes.pop()
                if kind == "fn":
                    first = code.count("\n", 0, start) + 1
                    lines = code.count("\n", start, i) + 1
                    name = re.sub(r"\s+", " ", head)[-90:]
                    yield name, first, lines
            last = i + 1
        elif c == ";" and all(s[0] == "ns" for s in scopes):
            last = i + 1


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    bad = []
    for path in sorted((root / "cli").glob("*")):
        if path.suffix in (".h", ".cpp"):
            n = path.read_text().count("\n")
            if n > MAX_CLI_LINES:
                bad.append(f"{path.relative_to(root)}: {n} lines, at most {MAX_CLI_LINES} for a command file")
    count = 0
    for d in DIRS:
        for path in sorted((root / d).rglob("*")):
            if path.suffix not in (".h", ".cpp"):
                continue
            for name, first, lines in functions(path.read_text()):
                count += 1
                if lines > MAX_FUNCTION_LINES:
                    bad.append(f"{path.relative_to(root)}:{first}: a function of {lines} lines "
                               f"(at most {MAX_FUNCTION_LINES}): {name}")
    for b in bad:
        print(b)
    print(f"check_sizes: {count} functions, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
