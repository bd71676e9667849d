#!/usr/bin/python3
"""Runs CPython's own test modules (Debian's libpython3.X-testsuite) and compares two runs.

  cpython_suites.py run OUTDIR [-j N] [-x GLOB]... MODULE[:RESOURCE,...]...
      runs each MODULE in a worker process of its own, N at a time, with the regrtest resources
      named after it enabled (-u of regrtest), tests whose id matches a GLOB left out, and writes
      OUTDIR/MODULE.jsonl (one line per test: id and outcome) and OUTDIR/MODULE.log (its output).
  cpython_suites.py compare NATIVE_DIR ZTRUN_DIR [--known FILE]
      prints, per module, ok/failed/skipped of both runs and every test that passed in the first
      and not in the second; exits 1 if there is one the known list does not excuse, or an entry of
      the list that no longer excuses anything (fixed: remove it; except a "timing:" one, a race
      that a run may win).

A test that hangs is stopped after the per-test timeout and counts as an error; a worker that dies
or hangs outside any test loses only its module's remaining tests, which count as not passed.
Resources are off unless named: then no test of these suites reaches beyond loopback.
"""
import codecs
import fnmatch
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

TEST_TIMEOUT = 60  # seconds per test: none needs more than a few natively
MODULE_TIMEOUT = 600  # a worker still running after this is killed


class Timeout(Exception):
    pass


class Recorder(unittest.TestResult):
    """Writes each outcome as it comes, so a worker that dies keeps what it ran."""

    def __init__(self, out):
        super().__init__()
        self.out = out
        self.failed_ids = set()

    def put(self, test, outcome, detail=""):
        tid = test.id()
        if outcome in ("failed", "error"):
            self.failed_ids.add(tid)
        self.out.write(json.dumps({"id": tid, "outcome": outcome, "detail": detail[-2000:]}) + "\n")
        self.out.flush()
        print(f"{tid} ... {outcome}", flush=True)
        if detail and outcome in ("failed", "error"):
            print(detail, flush=True)

    def startTest(self, test):
        super().startTest(test)
        signal.alarm(TEST_TIMEOUT)

    def stopTest(self, test):
        signal.alarm(0)
        super().stopTest(test)

    def addSuccess(self, test):
        if test.id() not in self.failed_ids:  # a failed subtest already said so
            self.put(test, "ok")

    def addFailure(self, test, err):
        self.put(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        self.put(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        self.put(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        self.put(test, "ok")

    def addUnexpectedSuccess(self, test):
        self.put(test, "failed", "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None and test.id() not in self.failed_ids:
            kind = "failed" if issubclass(err[0], test.failureException) else "error"
            self.put(test, kind, f"{subtest.id()}: " + self._exc_info_to_string(err, test))


def on_alarm(signum, frame):
    raise Timeout(f"test ran longer than {TEST_TIMEOUT} s")


def excluded(test, globs):
    return any(fnmatch.fnmatchcase(test.id(), g) for g in globs)


def filtered(suite, globs):
    out = unittest.TestSuite()
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            out.addTest(filtered(t, globs))
        elif not excluded(t, globs):
            out.addTest(t)
    return out


def fix_upstream_test_bugs(module):
    """Races in the suites' own code (fixed upstream after the Debian release, or not yet), fixed here
    the same way for both runs, so that a race the test loses natively too is not read as ztrun's
    fault. Each fix keeps the test's own check of the data whole."""
    if module == "test_socket":
        from test import test_socket

        # Not fixed upstream (its main branch has it still): a ThreadableTest's client thread registers
        # addCleanup(self.cli.close), and cleanups run last-in first-out in the main thread, so this
        # one runs BEFORE the cleanup that waits for the client (self.done.wait, added in setUp).
        # When the main thread reaches its cleanups after the client's addCleanup but before the
        # client's next call, it closes the socket the client is still using: getsockname() after
        # create_connection() gets EBADF (NetworkConnectionAttributesTest.testSourceAddress;
        # natively too, with the main thread 20 ms later). A client's cleanups now run after the
        # client is done, as the test means them to.
        threadable = test_socket.ThreadableTest
        add = unittest.TestCase.addCleanup  # ThreadableTest is a mixin after TestCase in the MRO

        def addCleanup(self, function, /, *args, **kwargs):
            done = getattr(self, "done", None)
            if not isinstance(self, threadable) or done is None or threading.current_thread() is threading.main_thread():
                return add(self, function, *args, **kwargs)
            cleanups = self._cleanups
            at = next((i for i, c in enumerate(cleanups) if c[0] == done.wait), len(cleanups))
            cleanups.insert(at, (function, args, kwargs))

        unittest.TestCase.addCleanup = addCleanup
    if module == "test_ftplib":
        from test import test_ftplib

        # gh-109845 (fixed upstream in 2023; 3.11.7 has it): the DTP handler decodes each recv(1024) alone, so a
        # recv that ends between the two bytes of the UTF-8 '\xae' at the end of RETR_DATA turns it into
        # two U+FFFD and test_storlines sees "12019 != 12018" with every byte delivered. Decoding
        # the stream incrementally keeps the test's check of the data whole and exact.
        handler = test_ftplib.DummyDTPHandler
        if ".recv(1024).decode(" not in inspect.getsource(handler.handle_read):
            return

        def handle_read(self):
            dec = self.__dict__.setdefault("_decoder", codecs.getincrementaldecoder(self.encoding)("replace"))
            self.baseclass.last_received_data += dec.decode(self.recv(1024))

        handler.handle_read = handle_read


def worker(module, outfile, resources, globs):
    from test import support

    support.use_resources = resources
    support.verbose = False
    support.record_original_stdout(sys.stdout)
    signal.signal(signal.SIGALRM, on_alarm)
    with open(outfile, "w") as out:
        result = Recorder(out)
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName("test." + module)
        except unittest.SkipTest as e:  # the module skips itself (a resource it needs is off)
            out.write(json.dumps({"id": "test." + module, "outcome": "skipped", "detail": str(e)}) + "\n")
            return 0
        fix_upstream_test_bugs(module)
        filtered(suite, globs).run(result)
    return 0


def run(outdir, jobs, globs, modules):
    os.makedirs(outdir, exist_ok=True)
    pending, running = list(modules), []
    while pending or running:
        while pending and len(running) < jobs:
            m, _, resources = pending.pop(0).partition(":")
            log = open(os.path.join(outdir, m + ".log"), "w")
            args = [sys.executable, __file__, "worker", m, os.path.join(outdir, m + ".jsonl"), resources]
            p = subprocess.Popen(args + globs, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            running.append((m, p, log, time.monotonic()))
        time.sleep(0.1)
        for item in list(running):
            m, p, log, started = item
            if p.poll() is None and time.monotonic() - started > MODULE_TIMEOUT:
                p.kill()
                log.write(f"\n*** killed after {MODULE_TIMEOUT} s\n")
            if p.poll() is not None:
                log.close()
                running.remove(item)
                print(f"{outdir}: {m} took {time.monotonic() - started:.0f} s", flush=True)
    return 0


def load(outdir):
    """{module: {test id: (outcome, detail)}}"""
    res = {}
    for name in sorted(os.listdir(outdir)):
        if name.endswith(".jsonl"):
            tests = res.setdefault(name[: -len(".jsonl")], {})
            with open(os.path.join(outdir, name)) as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue  # a line cut short by a killed worker
                    if tests.get(r["id"], ("ok",))[0] == "ok":
                        tests[r["id"]] = (r["outcome"], r.get("detail", ""))
    return res


def counts(tests):
    c = {"ok": 0, "failed": 0, "skipped": 0}
    for outcome, _ in tests.values():
        c["skipped" if outcome == "skipped" else "ok" if outcome == "ok" else "failed"] += 1
    return c


def load_known(path):
    """Lines 'GLOB  reason' (# comments): tests that may fail under ztrun, each for a stated reason."""
    known = []
    if path:
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    glob, _, reason = line.partition(" ")
                    known.append([glob, reason.strip(), 0])
    return known


def compare(native_dir, ztrun_dir, known_path):
    native, under = load(native_dir), load(ztrun_dir)
    known = load_known(known_path)
    print(f"{'module':40} {'native ok/failed/skipped':>26} {'ztrun ok/failed/skipped':>26}")
    bad = []
    for m in sorted(native):
        n, z = native[m], under.get(m, {})
        cn, cz = counts(n), counts(z)
        print(f"{m:40} {cn['ok']:>10}/{cn['failed']}/{cn['skipped']:<13} {cz['ok']:>10}/{cz['failed']}/{cz['skipped']}")
        for tid, (outcome, _) in sorted(n.items()):
            if outcome != "ok":
                continue
            zo, detail = z.get(tid, ("not run (the worker died or hung before it)", ""))
            if zo == "ok":
                continue
            excuse = next((k for k in known if fnmatch.fnmatchcase(tid, k[0])), None)
            if excuse:
                excuse[2] += 1
                continue
            bad.append(tid)
            print(f"REGRESSION {tid}: {zo}\n{detail}")
    for glob, reason, used in known:
        print(f"known: {glob}: {used} test(s) excused ({reason})")
        if not used and not reason.startswith("timing:"):  # a race may or may not show
            print(f"FAIL: the known entry {glob} excuses nothing any more: remove it")
            bad.append(glob)
    print(f"{len(bad)} regression(s) under ztrun")
    return 1 if bad else 0


def main(argv):
    if argv[:1] == ["worker"]:
        return worker(argv[1], argv[2], [r for r in argv[3].split(",") if r], argv[4:])
    if argv[:1] == ["compare"]:
        known = argv[argv.index("--known") + 1] if "--known" in argv else None
        return compare(argv[1], argv[2], known)
    if argv[:1] == ["run"]:
        outdir, jobs, globs, modules = argv[1], 2, [], []
        it = iter(argv[2:])
        for a in it:
            if a == "-j":
                jobs = int(next(it))
            elif a == "-x":
                globs.append(next(it))
            else:
                modules.append(a)
        return run(outdir, jobs, globs, modules)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
