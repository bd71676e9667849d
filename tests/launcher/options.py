#!/usr/bin/env python3
"""Every option is documented where a user looks, and every documented option exists.

usage: options.py ZTRUN SOURCE_DIR

- each subcommand's --help names only options that its section of docs/ztrun.1 names too, and that
  section names only options that some --help names (so neither drifts from the other);
- every option in the launcher's option tables (struct option and the short-option strings given to
  zt_cli_getopt) is named by some --help and by the man page;
- every environment variable the code reads (getenv in src/) is named by the man page;
- every option a --help names is taken by that command: given with a value and followed by an unknown
  option, it is never the one the error names (so nothing runs: the unknown option stops it).
"""
import os
import re
import subprocess
import sys
import tempfile

ZTRUN, SRC = sys.argv[1], sys.argv[2]
failures = []


def fail(msg):
    failures.append(msg)


def ztrun(args, cwd):
    env = dict(os.environ, ZTRUN_PLANET="/nonexistent", ZTRUN_HOME=os.path.join(cwd, "home"))
    env.pop("ZTRUN_LOG", None)
    return subprocess.run([ZTRUN] + args, capture_output=True, text=True, timeout=30, cwd=cwd, env=env)


# An option in --help: at the start of a word, or after '[', '|', '(' or ','.
HELP_OPT = re.compile(r"(?:^|(?<=[\s\[|(,]))(--?[A-Za-z][A-Za-z0-9-]*)")
# An option in troff: \-x or \-\-long\-name.
MAN_OPT = re.compile(r"(?<![A-Za-z0-9\\-])((?:\\-){1,2}[A-Za-z][A-Za-z0-9]*(?:\\-[A-Za-z0-9]+)*)")

man = open(os.path.join(SRC, "docs", "ztrun.1")).read()
# Not ztrun's: cmake's own option, in the shim's section.
man = man.replace("cmake \\-\\-install", "cmake install")


def man_opts(text):
    text = re.sub(r"\\f[BIRP]", "", text)  # font changes: \fB\-\-verbose\fR
    return {m.replace("\\-", "-") for m in MAN_OPT.findall(text)}


def man_chunk(start, end):
    i = man.index(start)
    return man[i:man.index(end, i)]


GROUPS = {"network": "create list show delete", "member": "list show authorize deauthorize set-ip",
          "token": "create list revoke"}
MANAGE = [["controller", g, c] for g, cs in GROUPS.items() for c in cs.split()]
# subcommand: (the command lines whose --help it has, its part of the man page)
PAGES = {
    "run": ([[]], (".SH OPTIONS", ".SH SUBCOMMANDS")),
    "idtool": ([["idtool"]] + [["idtool", c] for c in "generate validate getpublic sign verify".split()],
               (".B idtool \\fICOMMAND", ".B planet \\fICOMMAND")),
    "planet": ([["planet"]] + [["planet", c] for c in "new show update verify".split()],
               (".B planet \\fICOMMAND", '.SS "ztrun service')),
    "service": ([["service"]], ('.SS "ztrun service', '.SS "ztrun cli')),
    "cli": ([["cli"]], ('.SS "ztrun cli', '.SS "ztrun shim')),
    "shim": ([["shim"]], ('.SS "ztrun shim', '.SS "ztrun controller [')),
    "controller": ([["controller"]] + MANAGE, ('.SS "ztrun controller [', ".SH ENVIRONMENT")),
}
# What the man page says once for every subcommand (-v, -q, -h) before the first of them.
common = man_opts(man_chunk(".SH SUBCOMMANDS", ".TP"))
for o in ("-v", "--verbose", "-q", "--quiet", "-h", "--help"):
    if o not in common:
        fail(f"the man page's SUBCOMMANDS does not say that every subcommand takes {o}")

work = tempfile.mkdtemp(prefix="ztrun-options.")
helps = {}  # command line (tuple) -> its --help
all_help = set()
all_man = man_opts(man)
for name, (lines, (start, end)) in PAGES.items():
    section = man_opts(man_chunk(start, end))
    documented = section | (common if name != "run" else set())
    page = set()
    for argv in lines:
        r = ztrun(argv + ["--help"], work)
        if r.returncode != 0 or not r.stdout.startswith("Usage: ") and "Management" not in r.stdout:
            fail(f"ztrun {' '.join(argv + ['--help'])}: status {r.returncode}, {r.stdout[:80]!r} {r.stderr[:200]!r}")
            continue
        helps[tuple(argv)] = r.stdout
        page |= set(HELP_OPT.findall(r.stdout))
    all_help |= page
    for o in sorted(page - documented):
        fail(f"ztrun {name} --help names {o}, its section of docs/ztrun.1 does not")
    PAGES[name] = (lines, section)
for name, (lines, section) in PAGES.items():
    for o in sorted(section - all_help):
        fail(f"docs/ztrun.1 names {o} for ztrun {name}, no --help does")

# The option tables in the code.
code_opts = set()
for root, _, files in os.walk(os.path.join(SRC, "src", "launcher")):
    for f in files:
        if not f.endswith(".c"):
            continue
        text = open(os.path.join(root, f)).read()
        where = os.path.relpath(os.path.join(root, f), SRC)
        for long in re.findall(r'\{"([a-z][a-z0-9-]*)",\s*(?:no|required|optional)_argument', text):
            code_opts.add(("--" + long, where))
        for call in re.findall(r"zt_cli_getopt\(([^;]*?)\)\) != -1", text, re.S):
            for shorts in re.findall(r'"([^"]*)"', call):
                for c in shorts.replace(":", "").replace("+", ""):
                    code_opts.add(("-" + c, where))
        if "ZT_CLI_LOG_OPTIONS" in text:
            code_opts |= {("--verbose", where), ("--quiet", where)}
if len(code_opts) < 40:
    fail(f"found only {len(code_opts)} options in src/launcher: the tables moved, update this test")
for o, where in sorted(code_opts):
    if o not in all_help:
        fail(f"{where} takes {o}, no --help names it")
    if o not in all_man:
        fail(f"{where} takes {o}, docs/ztrun.1 does not name it")

# The environment the code reads.
env_vars = set()
for root, _, files in os.walk(os.path.join(SRC, "src")):
    for f in files:
        if f.endswith((".c", ".h")):
            text = open(os.path.join(root, f)).read()
            for v in re.findall(r'getenv\("([A-Za-z_][A-Za-z0-9_]*)"\)', text):
                env_vars.add((v, os.path.relpath(os.path.join(root, f), SRC)))
if len(env_vars) < 5:
    fail(f"found only {len(env_vars)} getenv calls in src/: update this test")
for v, where in sorted(env_vars):
    if not re.search(r"(?<![A-Za-z0-9_])" + v + r"(?![A-Za-z0-9_])", man.replace("\\_", "_")):
        fail(f"{where} reads ${v}, docs/ztrun.1 does not name it")

# Every option a --help names is taken by its command. A page that names its commands' options too
# (ztrun planet's "show ... with -j", the controller's summary of its management commands) leaves them
# to those commands' own pages.
for argv, text in helps.items():
    deeper = set()
    for other, t in helps.items():
        if len(other) > len(argv) and other[:len(argv)] == argv:
            deeper |= set(HELP_OPT.findall(t))
    text = text.split("\nManagement")[0]
    for o in sorted(set(HELP_OPT.findall(text))):
        if o in ("--help", "-h", "--version", "-V") or o in deeper:
            continue
        r = ztrun(list(argv) + [o, "X", "--zz-unknown"], work)
        said = r.stderr
        if re.search(r"bad option '" + re.escape(o) + "'", said) or r.returncode == 0:
            fail(f"ztrun {' '.join(argv)} {o}: not taken (status {r.returncode}): {said.strip()[:200]}")

if os.listdir(work) not in ([], ["home"]):
    fail(f"a probe left files: {os.listdir(work)}")
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"ok: {len(helps)} help pages, {len(all_help)} options in them, {len(code_opts)} in the code")
