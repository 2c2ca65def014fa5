#!/usr/bin/env python3
"""Writes a C file whose function FUNC returns the bytes of INPUT as a string.

Usage: embed.py INPUT OUTPUT FUNC. Used to compile the default policy file into
seccompd as its fallback, so the file and the built-in cannot drift apart."""
import sys


def c_string(data: bytes) -> str:
    lines, cur = [], []
    for b in data:
        ch = chr(b)
        if ch == "\\" or ch == '"':
            cur.append("\\" + ch)
        elif ch == "\n":
            cur.append("\\n")
            lines.append('"' + "".join(cur) + '"')
            cur = []
        elif 32 <= b < 127:
            cur.append(ch)
        else:
            cur.append("\\%03o" % b)
    if cur:
        lines.append('"' + "".join(cur) + '"')
    return "\n        ".join(lines) if lines else '""'


def main() -> None:
    src, out, func = sys.argv[1:4]
    with open(src, "rb") as f:
        data = f.read()
    with open(out, "w") as f:
        f.write(f"/* Generated from {src.split('/')[-1]} by policy/embed.py: do not edit. */\n")
        f.write("#include <stddef.h>\n\n")
        f.write(f"const char *{func}(size_t *ret_len);\n\n")
        f.write(f"const char *{func}(size_t *ret_len)\n{{\n")
        f.write(f"        static const char text[] =\n        {c_string(data)};\n\n")
        f.write("        *ret_len = sizeof(text) - 1;\n        return text;\n}\n")


if __name__ == "__main__":
    main()
