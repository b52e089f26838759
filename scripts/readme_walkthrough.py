#!/usr/bin/env python3
"""README.md's walk-through ("## Trying it") as a test: its ```sh blocks, taken from the
README itself so that they cannot drift from what runs, in order and in one shell (what
one block sets, the next uses), against a local API this script is given.

Each block's output is checked against what the README says of it: the
`<!-- expect ... -->` comment right after a block lists strings its output must contain,
in that order (one a line). Whatever the comment does not list must not happen: a block
that exits non-zero, an API error (`"error":{"code":...}`) whose code is not listed, or
API Gateway's `Unauthorized` fails the test. A block preceded by
`<!-- walk-through: skip ... -->` is not run (it starts a second server, say).

The README speaks of `make dev`'s addresses and tokens; the test gives its own: the
API's and moto's URLs replace `http://127.0.0.1:3000` and `http://127.0.0.1:5000`, and
the tokens `make dev` prints are minted the same way.

Usage: readme_walkthrough.py --api URL --moto URL [--readme README.md]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

SECTION = "## Trying it"
DEV_API = "http://127.0.0.1:3000"
DEV_MOTO = "http://127.0.0.1:5000"
MARK = "@@walk-through block {}@@"
ERROR_CODE = re.compile(r'"error"\s*:\s*\{\s*"code"\s*:\s*"([^"]+)"')


class Block:
    def __init__(self, line, text, expect, skip):
        self.line = line
        self.text = text
        self.expect = expect
        self.skip = skip


def blocks(readme):
    """The ```sh blocks of the walk-through's section, with their expectations."""
    lines = readme.split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == SECTION)
    except StopIteration:
        sys.exit(f"README.md has no '{SECTION}' section")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    found, i = [], start + 1
    while i < end:
        if lines[i].strip() != "```sh":
            i += 1
            continue
        opening = i
        close = next(j for j in range(i + 1, end) if lines[j].strip() == "```")
        text = "\n".join(lines[i + 1 : close])
        before = next(
            (lines[k].strip() for k in range(opening - 1, start, -1) if lines[k].strip()),
            "",
        )
        expect, j = [], close + 1
        while j < end and not lines[j].strip():
            j += 1
        if j < end and lines[j].strip().startswith("<!-- expect"):
            first = lines[j].strip()[len("<!-- expect") :].strip()
            if first.startswith(":"):
                first = first[1:].strip()
            body = [first] if first else []
            while not body or not body[-1].endswith("-->"):
                j += 1
                body.append(lines[j].strip())
            body[-1] = body[-1][: -len("-->")].strip()
            expect = [e for e in body if e]
        found.append(
            Block(opening + 1, text, expect, before.startswith("<!-- walk-through: skip"))
        )
        i = close + 1
    return found


def script(chosen, api, moto, repo):
    """One bash script: a prelude, then each block after a marker line."""
    prelude = [
        "set -eo pipefail",
        # `cargo run -q -p local -- ARGS` is the binary the caller has just built, run
        # with ARGS: not another cargo that may wait on the build directory's lock.
        "cargo() {",
        '  if [ "$1" = run ]; then while [ "$1" != -- ]; do shift; done; shift',
        f'    {repo!r}/target/debug/local "$@"',
        f'  else (cd {repo!r} && command cargo "$@"); fi',
        "}",
        # The project's virtualenv where a reader has it, beside the working directory.
        f"ln -sfn {repo!r}/.venv .venv",
    ]
    parts = ["\n".join(prelude)]
    for index, block in chosen:
        text = block.text.replace(DEV_API, api).replace(DEV_MOTO, moto)
        parts.append(f"echo; echo '{MARK.format(index)}'\n{text}")
    parts.append(f"echo; echo '{MARK.format('end')}'")
    return "\n".join(parts) + "\n"


def check(index, block, output):
    """What is wrong with a block's output, if anything."""
    problems, at = [], 0
    for expected in block.expect:
        found = output.find(expected, at)
        if found < 0:
            problems.append(f"expected, in order: {expected}")
        else:
            at = found + len(expected)
    listed = " ".join(block.expect)
    for code in ERROR_CODE.findall(output):
        if f'"code":"{code}"' not in listed and code not in block.expect:
            problems.append(f"an error the README does not show: {code}")
    if "Unauthorized" in output and "Unauthorized" not in listed:
        problems.append("a token was refused (Unauthorized)")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args()
    repo = os.path.dirname(os.path.abspath(args.readme))
    with open(args.readme, encoding="utf-8") as f:
        found = blocks(f.read())
    chosen = [(i, b) for i, b in enumerate(found, 1) if not b.skip]
    skipped = len(found) - len(chosen)
    with tempfile.TemporaryDirectory(prefix="tidings-readme-") as workdir:
        started = time.monotonic()
        shell = subprocess.Popen(
            ["bash", "-c", script(chosen, args.api, args.moto, repo)],
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = shell.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(shell.pid, 9)
            stdout, stderr = shell.communicate()
            stderr += f"\n(stopped after {args.timeout:.0f}s)"
        run = subprocess.CompletedProcess(shell.args, shell.returncode, stdout, stderr)
        took = time.monotonic() - started
    outputs, current = {}, None
    for line in run.stdout.split("\n"):
        mark = re.fullmatch(r"@@walk-through block (\w+)@@", line)
        if mark:
            current = mark.group(1)
            outputs[current] = []
        elif current is not None:
            outputs[current].append(line)
    failed = False
    for index, block in chosen:
        output = "\n".join(outputs.get(str(index), []))
        if str(index) not in outputs:
            problems = ["not reached"]
        else:
            problems = check(index, block, output)
        reached_end = "end" in outputs
        nxt = [str(i) for i, _ in chosen if i > index] + ["end"]
        if not problems and not reached_end and nxt[0] not in outputs:
            problems = [f"the block failed (exit status {run.returncode})"]
        status = "ok" if not problems else "FAILED"
        print(f"   block {index} (README.md line {block.line}): {status}")
        if problems:
            failed = True
            for problem in problems:
                print(f"     - {problem}")
            print("     its commands:")
            print("\n".join("       " + l for l in block.text.split("\n")))
            print("     its output:")
            print("\n".join("       " + l for l in output.split("\n")[-40:]))
            if run.stderr.strip():
                print("     stderr:")
                print("\n".join("       " + l for l in run.stderr.strip().split("\n")[-20:]))
            break
    print(f"   {len(chosen)} blocks run, {skipped} skipped, in {took:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
