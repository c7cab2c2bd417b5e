#!/usr/bin/env python3
"""Breaks every file system call of a writing command, one at a time.

For each scenario (a fixture root and a command run on it with --root):
  1. a clean run under strace gives the "after" tree and the list of calls;
  2. for each call on a file of the root, a run where exactly that call fails
     (EIO; ENOSPC for write; EROFS for an open that writes, mkdir, unlink,
     rename) and one where the process is killed (SIGKILL) on entering it;
  3. after each: every file is byte for byte its "before" or its "after"
     version, none missing, nothing in a directory a boot loader or generator
     reads that it would take for its own; a failure exits non-zero naming a
     file, a success leaves exactly the "after" tree; the command run again
     (and its undo, where it has one) reaches the right tree;
  4. power cuts: the clean run's file system operations (mkdir, create,
     write, fsync, rename, unlink) replayed prefix by prefix onto a copy of
     the "before" tree, as a disk that kept exactly that prefix would hold it
     (a file's bytes count only once fsynced; a name only once its directory
     is): each prefix must be a consistent tree and recover like a kill.
     Each rename must follow an fsync of its file and be followed by an
     fsync of its directory before the command ends.

Usage: inject.py --bin DIR --work DIR [--only errors,kills,cuts] SCENARIO...
  SCENARIO: NAME|BASE_DIR|TOOL ARGS...|UNDO ARGS...   (UNDO may be empty)
  FAULTS_ONLY=NAME,... in the environment: only the scenarios so named (while
  working on one command; a scenario name is the first column of the table).
Prints a table and a closing "N passed, M failed" line.
"""

import argparse
import codecs
import os
import re
import shutil
import stat
import subprocess
import sys
import time

TRACED = ("%file,read,write,pread64,getdents64,fsync,fdatasync,fchmod,fchown,close,ftruncate")
# Calls whose failure is injected (the stat family and getdents included:
# what decides where to write is read through them).
INJECT = ["openat", "read", "write", "getdents64", "fsync", "fdatasync", "rename", "renameat2", "unlink",
          "unlinkat", "mkdir", "mkdirat", "rmdir", "fchmod", "fchown", "close", "newfstatat", "statx", "lstat",
          "stat", "readlink", "readlinkat", "linkat", "symlink", "ftruncate", "access", "faccessat2"]
# Where a stray file would be taken for a real one: directory, its glob.
READ_BY_LOADERS = [
    ("boot/loader/entries", r".*\.conf$"), ("efi/loader/entries", r".*\.conf$"),
    ("boot/efi/loader/entries", r".*\.conf$"), ("etc/default/grub.d", r"[^.].*\.cfg$"),
    ("etc/mkinitcpio.conf.d", r".*\.conf$"), ("etc/kernel", r"(cmdline|install\.conf|entry-token|tries|devicetree|uki\.conf)$"), ("etc/default", r"grub$"),
    ("boot/grub", r".*\.(cfg|env)$|grubenv$"), ("boot/grub2", r".*\.(cfg|env)$|grubenv$"),
]
TEMP = re.compile(r"^\..+\.[A-Za-z0-9]{6}$")
# Under --root a regular file; on a machine efivarfs, where the one write(2)
# that sets a variable is all or nothing: an empty file there is no variable.
EFIVARS = "sys/firmware/efi/efivars/"
# Written by every run, whatever it does: the lock.
IGNORED = ("run/",)


def snapshot(root):
    """{relative path: bytes | 'dir' | ('link', target)} of a tree."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if rel.startswith(IGNORED):
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir"
            else:
                with open(p, "rb") as f:
                    out[rel] = f.read()
    return out


def read_by_loader(rel):
    d, n = os.path.split(rel)
    return any(d == dd and re.match(g, n) for dd, g in READ_BY_LOADERS)


def check_tree(run, before, after):
    """(problems, stray temporaries) of a tree after a fault."""
    problems, temps = [], []
    for p in sorted(set(run) | set(before) | set(after)):
        have = run.get(p)
        if p.startswith(EFIVARS) and have == b"":
            have = None  # efivarfs: a variable made by one write(2) or not at all
        if p in before or p in after:
            if have == before.get(p) or have == after.get(p):
                continue
            problems.append(("missing " if have is None else "torn or mixed ") + p)
        elif TEMP.match(os.path.basename(p)):
            temps.append(p)
            if read_by_loader(p):
                problems.append("temporary file where a boot loader reads: " + p)
        else:
            problems.append("stray file " + p)
    return problems, temps


def diff(a, b):
    return [p for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]


class Runner:
    def __init__(self, bindir, work):
        self.bindir, self.work = bindir, work
        self.root = os.path.join(work, "r")  # every run at the same path: the same calls

    def fresh(self, base):
        if os.path.lexists(self.root):
            shutil.rmtree(self.root)
        shutil.copytree(base, self.root, symlinks=True)

    def argv(self, cmd):
        return [os.path.join(self.bindir, cmd[0]), "--root", self.root] + cmd[1:]

    def run(self, cmd, strace=None):
        argv = self.argv(cmd)
        if strace:
            argv = ["strace", "-qq"] + strace + ["--"] + argv
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode(errors="replace")


LINE = re.compile(r"^(\w+)\((.*)\) += (-?\d+|\?)(?:<(.*?)>)?(?: (E\w+))?")


def parse_trace(path):
    """[(syscall, args, result, result path)] of one process, in order."""
    calls = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                calls.append((m.group(1), m.group(2), m.group(3), m.group(4) or ""))
    return calls


def error_for(call, args):
    if call == "write":
        return "ENOSPC"
    if call in ("mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat2", "rmdir", "linkat", "symlink"):
        return "EROFS"
    if call == "openat" and re.search(r"O_WRONLY|O_RDWR|O_CREAT", args):
        return "EROFS"
    return "EIO"


def unquote(s):
    """The bytes of a string as strace -x prints it (C escapes)."""
    return codecs.escape_decode(s.encode("latin-1", errors="replace"))[0]


STR = re.compile(r'"((?:[^"\\]|\\.)*)"')


def strings(args):
    return [unquote(s).decode(errors="surrogateescape") for s in STR.findall(args)]


def fs_ops(calls, root):
    """The clean run's changes to the file system, in order, as a power cut
    sees them: ('mkdir', p), ('create', p), ('write', p, bytes), ('fsync', p),
    ('rename', a, b), ('unlink', p), ('rmdir', p), ('syncdir', p),
    ('chmod', p). Paths relative to the root."""
    dirs, ops = set(), []  # fds opened as directories

    def rel(p):
        if p == root:
            return "."
        return os.path.relpath(p, root) if p.startswith(root + "/") else None

    for call, args, res, res_path in calls:
        fd = re.match(r"(\d+)<(.*?)>", args)
        fd_path = rel(fd.group(2)) if fd else None
        if call == "openat" and res.isdigit():
            p = rel(res_path)
            (dirs.add if "O_DIRECTORY" in args else dirs.discard)(int(res))
            if p and "O_CREAT" in args:
                ops.append(("create", p))
        elif call == "write" and fd_path and int(res) > 0:
            data = STR.findall(args)
            ops.append(("write", fd_path, unquote(data[0]) if data else b""))
        elif call in ("fsync", "fdatasync") and fd_path is not None and res == "0":
            ops.append(("syncdir" if int(fd.group(1)) in dirs else "fsync", fd_path))
        elif call in ("rename", "renameat2") and res == "0":
            a, b = [rel(s) for s in strings(args)[:2]]
            ops.append(("rename", a, b))
        elif call in ("unlink", "unlinkat") and res == "0":
            ops.append(("unlink", rel(strings(args)[0])))
        elif call in ("mkdir", "mkdirat") and res == "0":
            ops.append(("mkdir", rel(strings(args)[0])))
        elif call == "rmdir" and res == "0":
            ops.append(("rmdir", rel(strings(args)[0])))
    return [o for o in ops if all(x is not None for x in o[1:])]


def durability_order(ops, after):
    """Problems: a rename not preceded by an fsync of its file, a name made,
    renamed or removed in a directory never synced after it."""
    problems = []
    for i, op in enumerate(ops):
        if any(x.startswith(IGNORED + (EFIVARS,)) for x in op[1:] if isinstance(x, str)):
            continue  # the lock, on a tmpfs; EFI variables, set in NVRAM by their one write(2)
        if op[0] == "rename":
            synced = any(o[0] == "fsync" and o[1] == op[1] for o in ops[:i])
            if not synced:
                problems.append("renamed before its bytes were synced: " + op[1] + " -> " + op[2])
        if op[0] in ("rename", "unlink", "mkdir", "create", "rmdir"):
            target = op[2] if op[0] == "rename" else op[1]
            d = os.path.dirname(target) or "."
            if op[0] == "create" and TEMP.match(os.path.basename(target)):
                continue  # a temporary file's name need not last
            if not any(o[0] == "syncdir" and o[1] == d for o in ops[i + 1:]):
                problems.append("never made durable (no fsync of " + d + " after it): " + op[0] + " " + target)
    return problems


def disk_after(ops, n, before):
    """The tree a power cut after the first n operations can leave, taking
    the worst: a file's bytes only as last fsynced (its name made with none),
    names only as of their directory's last sync."""
    # Live view after n ops (names -> inode ids), and each inode's bytes.
    live = {p: ("old", p) for p, v in before.items() if v != "dir"}
    dirs = {p for p, v in before.items() if v == "dir"}
    synced_bytes = {("old", p): v for p, v in before.items() if v != "dir"}
    pending = {}
    durable_names = dict(live)
    durable_dirs = set(dirs)
    counter = 0
    for op in ops[:n]:
        kind = op[0]
        if kind == "create":
            if op[1] not in live:
                counter += 1
                live[op[1]] = ("new", counter)
                pending[live[op[1]]] = b""
        elif kind == "write":
            ino = live.get(op[1])
            if ino is not None:
                pending[ino] = pending.get(ino, synced_bytes.get(ino, b"")) + op[2]
        elif kind == "fsync":
            ino = live.get(op[1])
            if ino is not None and ino in pending:
                synced_bytes[ino] = pending.pop(ino)
        elif kind == "rename":
            if op[1] in live:
                live[op[2]] = live.pop(op[1])
        elif kind == "unlink":
            live.pop(op[1], None)
        elif kind == "mkdir":
            dirs.add(op[1])
        elif kind == "rmdir":
            dirs.discard(op[1])
        elif kind == "syncdir":
            d = op[1]
            for p in set(live) | set(durable_names):
                if (os.path.dirname(p) or ".") == d:
                    if p in live:
                        durable_names[p] = live[p]
                    else:
                        durable_names.pop(p, None)
            for p in set(dirs) | set(durable_dirs):
                if (os.path.dirname(p) or ".") == d:
                    if p in dirs:
                        durable_dirs.add(p)
                    else:
                        durable_dirs.discard(p)
    tree = {p: "dir" for p in durable_dirs}
    for p, ino in durable_names.items():
        if all(a in durable_dirs for a in ancestors(p)):
            tree[p] = synced_bytes.get(ino, b"")
    return tree


def ancestors(p):
    out = []
    d = os.path.dirname(p)
    while d:
        out.append(d)
        d = os.path.dirname(d)
    return out


def materialize(tree, root, before_root):
    if os.path.lexists(root):
        shutil.rmtree(root)
    shutil.copytree(before_root, root, symlinks=True)  # modes, links and what is ignored
    have = snapshot(root)
    for p in sorted(have, key=len, reverse=True):
        if p not in tree:
            full = os.path.join(root, p)
            if have[p] == "dir":
                shutil.rmtree(full, ignore_errors=True)
            elif os.path.lexists(full):
                os.unlink(full)
    for p in sorted(tree, key=len):
        full = os.path.join(root, p)
        if tree[p] == "dir":
            os.makedirs(full, exist_ok=True)
        elif isinstance(tree[p], bytes):
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(tree[p])


class Scenario:
    def __init__(self, spec):
        parts = spec.split("|")
        self.name, self.base = parts[0], parts[1]
        self.cmd = parts[2].split()
        self.undo = parts[3].split() if len(parts) > 3 and parts[3].strip() else []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default="errors,kills,cuts")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("scenarios", nargs="+")
    a = ap.parse_args()
    modes = a.only.split(",")
    r = Runner(os.path.abspath(a.bin), os.path.abspath(a.work))
    totals = dict(faults=0, kills=0, prefixes=0, inconsistent=0, unrecovered=0, checks_failed=0)
    passed = failed = 0
    rows = []
    start = time.time()

    def fail(sc, what, details=()):
        nonlocal failed
        failed += 1
        print("FAIL %s: %s" % (sc.name, what))
        for d in list(details)[:12]:
            print("    " + d)

    wanted = [n for n in os.environ.get("FAULTS_ONLY", "").split(",") if n]
    for spec in a.scenarios:
        sc = Scenario(spec)
        if wanted and sc.name not in wanted:
            continue
        before = snapshot(sc.base)
        r.fresh(sc.base)
        trace = os.path.join(r.work, "trace")
        rc, out = r.run(sc.cmd, ["-y", "-x", "-s", "1048576", "-o", trace, "-e", "trace=" + TRACED])
        if rc != 0:
            fail(sc, "the clean run failed (exit %d)" % rc, out.splitlines())
            continue
        after = snapshot(r.root)
        calls = parse_trace(trace)
        ops = fs_ops(calls, r.root)
        undone = None
        if sc.undo:
            r.run(sc.undo)
            undone = snapshot(r.root)
        # The N-th call of each kind that touches a file of the root.
        seen, targets = {}, []
        for call, args, res, res_path in calls:
            seen[call] = seen.get(call, 0) + 1
            touched = [res_path] + re.findall(r"<(.*?)>", args) + strings(args)
            if call in INJECT and any(t == r.root or t.startswith(r.root + "/") for t in touched):
                targets.append((call, seen[call], error_for(call, args)))
        row = dict(name=sc.name, calls=len(targets), faults=0, kills=0, prefixes=0, consistent=0, recovered=0,
                   runs=0)

        def recover(label, bad_before):
            """Runs the command again (and its undo): both must reach their tree."""
            rc2, out2 = r.run(sc.cmd)
            now = snapshot(r.root)
            if now != after:
                fail(sc, label + ": running it again (exit %d) does not reach the clean run's tree" % rc2,
                     diff(now, after) + out2.splitlines()[-3:])
                return False
            if sc.undo:
                rc3, out3 = r.run(sc.undo)
                if snapshot(r.root) != undone:
                    fail(sc, label + ": the undo after it (exit %d) does not reach the undone tree" % rc3,
                         diff(snapshot(r.root), undone) + out3.splitlines()[-3:])
                    return False
            return True

        def judge(label, rc, out, killed):
            nonlocal passed
            now = snapshot(r.root)
            problems, temps = check_tree(now, before, after)
            if not killed and temps:
                problems.append("temporary files left after an error: " + ", ".join(temps))
            if killed and rc != -9 and rc != 137 and now != after:
                problems.append("not killed (exit %d) and not done" % rc)
            if not killed and rc == 0 and now != after:
                problems.append("exit 0 with the change incomplete: " + ", ".join(diff(now, after)))
            if not killed and rc != 0 and not re.search(r"/(etc|boot|efi|var|usr|sys|proc|run)/|" + re.escape(r.root),
                                                         out):
                problems.append("exit %d with no file named: %s" % (rc, out.strip().splitlines()[-1:]))
            ok = not problems
            if ok:
                row["consistent"] += 1
            else:
                totals["inconsistent"] += 1
                fail(sc, label, problems + out.splitlines()[-2:])
            if recover(label, not ok):
                row["recovered"] += 1
                if ok:
                    passed += 1
            else:
                totals["unrecovered"] += 1
            row["runs"] += 1

        for call, n, err in targets:
            if "errors" in modes:
                r.fresh(sc.base)
                rc, out = r.run(sc.cmd, ["-e", "trace=" + call, "-o", os.devnull,
                                         "-e", "inject=%s:error=%s:when=%d" % (call, err, n)])
                row["faults"] += 1
                judge("%s #%d fails with %s" % (call, n, err), rc, out, False)
            if "kills" in modes:
                r.fresh(sc.base)
                rc, out = r.run(sc.cmd, ["-e", "trace=" + call, "-o", os.devnull,
                                         "-e", "inject=%s:signal=KILL:when=%d" % (call, n)])
                row["kills"] += 1
                judge("killed at %s #%d" % (call, n), rc, out, True)
        if "cuts" in modes:
            order = durability_order(ops, after)
            if order:
                fail(sc, "durability order", order)
            else:
                passed += 1
            cut_root = os.path.join(r.work, "before")
            if os.path.lexists(cut_root):
                shutil.rmtree(cut_root)
            shutil.copytree(sc.base, cut_root, symlinks=True)
            for n in range(len(ops) + 1):
                tree = disk_after(ops, n, before)
                materialize(tree, r.root, cut_root)
                row["prefixes"] += 1
                label = "power cut after %d of %d operations (%s)" % (n, len(ops), " ".join(
                    str(x) for x in ops[n - 1][:3] if not isinstance(x, bytes)) if n else "none")
                problems, _ = check_tree(snapshot(r.root), before, after)
                if problems:
                    totals["inconsistent"] += 1
                    fail(sc, label, problems)
                    continue
                row["consistent"] += 1
                if recover(label, False):
                    row["recovered"] += 1
                    passed += 1
                else:
                    totals["unrecovered"] += 1
                row["runs"] += 1
        for k in ("faults", "kills", "prefixes"):
            totals[k] += row[k]
        rows.append(row)

    print()
    print("%-34s %6s %7s %6s %9s %11s %10s" % ("command", "calls", "faults", "kills", "cuts", "consistent",
                                               "recovered"))
    for w in rows:
        print("%-34s %6d %7d %6d %9d %11d %10d" % (w["name"], w["calls"], w["faults"], w["kills"], w["prefixes"],
                                                   w["consistent"], w["recovered"]))
    print("faults injected %d, kills injected %d, crash prefixes checked %d, inconsistent states %d, "
          "runs that could not recover %d, %.0f s" % (totals["faults"], totals["kills"], totals["prefixes"],
                                                      totals["inconsistent"], totals["unrecovered"],
                                                      time.time() - start))
    print("faults: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
