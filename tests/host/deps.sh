#!/bin/bash
# Every external program the build, the host tests and the benchmark run is
# installed by scripts/deps.sh, or is part of a minimal Debian 12 system
# (debootstrap --variant=minbase, i.e. the Essential and "required" packages
# plus apt; the README also assumes make and git).
#
# STATIC check, nothing is run: the files below are parsed and every command
# they invoke is looked up in scripts/commands.map (command -> package).
#
#   Makefile, tools/memctl/Makefile        recipe lines, $(shell ...), $(MAKE)
#   scripts/*.sh, tests/host/*.sh,         first word of every simple command
#   tools/memctl/tests/*.sh, .ci/run       (also in $(...), `...`, eval '...',
#                                          sh -c '...', find -exec, xargs,
#                                          functions that run "$@")
#   scripts/*.py                           subprocess/os.exec*/shutil.which
#
# Not scanned: tests/guest/*, which runs inside the guest image (its programs
# come from scripts/packages.guest), and the kernel's own build scripts
# (covered by the kernel build packages in scripts/packages.host).
#
# It fails when a script invokes a command that is neither a shell builtin,
# a function of the script, a program of the repository, nor listed in the
# map; when the map names a package that deps.sh does not install and that is
# not in the minbase set; and when the map disagrees with `dpkg -S` on this
# host for a command installed here. Prints TAP.
#
# To fix a failure "X: not in scripts/commands.map": find X's package with
# `dpkg -S "$(command -v X)"`, add "cmd X PACKAGE" to scripts/commands.map
# and, unless PACKAGE is in the map's minbase list, add it to
# scripts/packages.host.
cd "$(dirname "$0")/../.." || exit 1
# Shell builtins and reserved words, from the bash that runs the scripts.
builtins=$(compgen -b; compgen -k)
export DEPS_BUILTINS=$builtins
exec python3 - "$@" <<'PY'
import ast
import glob
import os
import re
import subprocess
import sys

TOP = os.getcwd()
MAP = os.environ.get("DEPS_MAP", "scripts/commands.map")   # DEPS_MAP: try another map
BUILTINS = set(os.environ.get("DEPS_BUILTINS", "").split())

# ---------------------------------------------------------------- the map

def read_pkg_list(path):
    """Package names of scripts/packages.* (comments dropped, :arch dropped)."""
    out = set()
    for line in open(path):
        for w in line.split("#", 1)[0].split():
            out.add(w.split(":", 1)[0])
    return out


def read_map(path):
    """commands.map: 'base PKG...', 'cmd NAME PKG', 'dynamic FILE WORD TARGET...'
    (a TARGET is a command, or @project / @function: nothing to install)."""
    base, cmds, dyn, errors = set(), {}, {}, []
    for n, line in enumerate(open(path), 1):
        f = line.split("#", 1)[0].split()
        if not f:
            continue
        if f[0] == "base":
            base.update(f[1:])
        elif f[0] == "cmd" and len(f) == 3:
            cmds[f[1]] = (f[2], f[2])
        elif f[0] == "cmd" and len(f) == 5 and f[3] == "via":
            cmds[f[1]] = (f[2], f[4])   # (ships the file, installed package)
        elif f[0] == "dynamic" and len(f) >= 4:
            dyn[(f[1], f[2])] = f[3:]
        else:
            errors.append(f"{path}:{n}: cannot parse: {line.strip()}")
    return base, cmds, dyn, errors

# ------------------------------------------------------------ shell lexer

class Word:
    def __init__(self, raw, value, literal, line):
        self.raw = raw          # as written
        self.value = value      # quotes removed (expansions kept as text)
        self.literal = literal  # no unquoted/double-quoted $ or ` expansion
        self.line = line
        self.heredoc = None     # body, when this is a here-document delimiter

    def __repr__(self):
        return self.raw


OPS = ["&>>", ";;&", "<<<", "<<-", "&&", "||", ";;", ";&", "|&", "<<", "<>",
       "<&", ">>", ">&", ">|", "&>", ";", "&", "|", "(", ")", "<", ">"]
REDIRS = {"<", ">", ">>", "<<", "<<-", "<<<", "<>", "<&", ">&", ">|", "&>", "&>>"}
WORDEND = set(" \t\n;&|()<>")


def match_close(s, i, open_="(", close=")"):
    """Index of the bracket closing the one before s[i], skipping quotes."""
    depth = 1
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = len(s) if j < 0 else j + 1
            continue
        if c == '"':
            i += 1
            while i < len(s) and s[i] != '"':
                if s.startswith("$(", i):
                    i = match_close(s, i + 2) + 1
                else:
                    i += 2 if s[i] == "\\" else 1
            i += 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise SyntaxError(f"unbalanced {open_}")


class Lexer:
    """Splits shell text into words and operators. Command substitutions
    ($(...), `...`, <(...)) found on the way are collected in self.subs as
    (text, line) for the caller to parse recursively."""

    def __init__(self, s, line0=1):
        self.s, self.i, self.line0 = s, 0, line0
        self.toks, self.subs, self.pending = [], [], []

    def lineno(self, i):
        return self.line0 + self.s.count("\n", 0, i)

    def run(self):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and s[self.i:self.i + 2] == "\\\n":
                self.i += 2
            elif c == "#":
                j = s.find("\n", self.i)
                self.i = len(s) if j < 0 else j
            elif c == "\n":
                self.toks.append(("op", "\n", self.lineno(self.i)))
                self.i += 1
                self.read_heredocs()
            elif s.startswith("((", self.i):
                j = match_close(s, self.i + 2)
                # "((" ... "))": arithmetic, may hold $(...)
                self.scan_subs(s[self.i + 2:j], self.lineno(self.i))
                self.i = j + 2 if s[j + 1:j + 2] == ")" else j + 1
                self.toks.append(("arith", "", self.lineno(self.i)))
            elif c in "<>" and s[self.i + 1:self.i + 2] == "(":
                self.toks.append(("w", self.word(), self.lineno(self.i)))
            elif c in WORDEND:
                for op in OPS:
                    if s.startswith(op, self.i):
                        self.toks.append(("op", op, self.lineno(self.i)))
                        self.i += len(op)
                        if op in ("<<", "<<-"):
                            self.heredoc_word(op)
                        break
            else:
                w = self.word()
                # "2>file": a file descriptor number, not a word
                if re.fullmatch(r"\d+|\{\w+\}", w.raw) and s[self.i:self.i + 1] in ("<", ">"):
                    continue
                self.toks.append(("w", w, w.line))
        self.read_heredocs()
        return self.toks

    def heredoc_word(self, op):
        while self.s[self.i:self.i + 1] in (" ", "\t"):
            self.i += 1
        w = self.word()
        self.toks.append(("w", w, w.line))
        self.pending.append((w, op == "<<-", "'" in w.raw or '"' in w.raw or "\\" in w.raw))

    def read_heredocs(self):
        for w, strip, quoted in self.pending:
            lines, start = [], self.i
            while self.i < len(self.s):
                j = self.s.find("\n", self.i)
                j = len(self.s) if j < 0 else j
                text = self.s[self.i:j]
                self.i = j + 1
                if (text.lstrip("\t") if strip else text) == w.value:
                    break
                lines.append(text)
            w.heredoc = "\n".join(lines) + "\n"
            if not quoted:      # an unquoted body expands $(...) and `...`
                self.scan_subs(w.heredoc, self.lineno(start))
        self.pending = []

    def scan_subs(self, text, line):
        """Collect $(...) and `...` of an expanded text (here-doc, $((...)))."""
        i = 0
        while i < len(text):
            if text.startswith("$((", i):
                i += 3
            elif text.startswith("$(", i):
                j = match_close(text, i + 2)
                self.subs.append((text[i + 2:j], line + text.count("\n", 0, i)))
                i = j + 1
            elif text[i] == "`":
                j = text.find("`", i + 1)
                j = len(text) if j < 0 else j
                self.subs.append((text[i + 1:j], line + text.count("\n", 0, i)))
                i = j + 1
            else:
                i += 1

    def word(self):
        s, start = self.s, self.i
        line = self.lineno(start)
        value, literal = [], True
        i = self.i
        while i < len(s):
            c = s[i]
            if c in WORDEND and not (c in "<>" and i == start and s[i + 1:i + 2] == "("):
                # "arr=(a b)": an array assignment is one word
                if c == "(" and re.fullmatch(r"[A-Za-z_]\w*(\[[^]]*\])?\+?=", "".join(value)):
                    j = match_close(s, i + 1)
                    self.scan_subs(s[i + 1:j], self.lineno(i))
                    value.append(s[i:j + 1])
                    literal = False
                    i = j + 1
                    continue
                break
            if c == "\\":
                if s[i + 1:i + 2] == "\n":
                    i += 2
                    continue
                value.append(s[i + 1:i + 2])
                i += 2
            elif c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    raise SyntaxError("unterminated '")
                value.append(s[i + 1:j])
                i = j + 1
            elif c == '"':
                i += 1
                while i < len(s) and s[i] != '"':
                    if s[i] == "\\":
                        value.append(s[i + 1:i + 2])
                        i += 2
                    elif s[i] in "$`":
                        literal = False
                        j = self.expansion(i)
                        value.append(s[i:j])
                        i = j
                    else:
                        value.append(s[i])
                        i += 1
                if i >= len(s):
                    raise SyntaxError('unterminated "')
                i += 1
            elif c == "$" and s[i + 1:i + 2] == "'":
                j = i + 2
                while j < len(s) and s[j] != "'":
                    j += 2 if s[j] == "\\" else 1
                value.append(s[i + 2:j])
                i = j + 1
            elif c in "$`" or (c in "<>" and s[i + 1:i + 2] == "("):
                literal = False
                j = self.expansion(i)
                value.append(s[i:j])
                i = j
            else:
                value.append(c)
                i += 1
        self.i = i
        return Word(s[start:i], "".join(value), literal, line)

    def expansion(self, i):
        """End of the $... / `...` / <(...) expansion at s[i]; collects subs."""
        s = self.s
        if s.startswith("$((", i):
            j = match_close(s, i + 3)
            self.scan_subs(s[i + 3:j], self.lineno(i))
            return j + 2
        if s.startswith("$(", i) or s[i] in "<>":
            j = match_close(s, i + 2)
            self.subs.append((s[i + 2:j], self.lineno(i)))
            return j + 1
        if s.startswith("${", i):
            j = match_close(s, i + 2, "{", "}")
            self.scan_subs(s[i + 2:j], self.lineno(i))
            return j + 1
        if s[i] == "`":
            j = i + 1
            while j < len(s) and s[j] != "`":
                j += 2 if s[j] == "\\" else 1
            self.subs.append((s[i + 1:j], self.lineno(i)))
            return j + 1
        m = re.match(r"\$([A-Za-z_]\w*|[0-9@*#?$!-])?", s[i:])
        return i + max(len(m.group(0)), 1)

# ----------------------------------------------------------- shell parser

class Cmd:
    def __init__(self, words, func, line, heredocs):
        self.words, self.func, self.line, self.heredocs = words, func, line, heredocs


RESERVED_CONT = {"if", "then", "else", "elif", "do", "while", "until", "!", "time"}
RESERVED_END = {"fi", "done", "esac"}
ASSIGN = re.compile(r"[A-Za-z_]\w*(\[[^]]*\])?\+?=")


def parse_shell(text, line0=1, func=None):
    """All simple commands of a shell text, with the function they are in."""
    lx = Lexer(text, line0)
    toks = lx.run()
    cmds = []
    for sub, line in lx.subs:
        cmds += parse_shell(sub, line, func)
    words, heredocs = [], []
    at_cmd = True           # next word is in command position
    stack = []              # "{", "(", ("func", name, "{" or "("), "case-pat", "case-body"
    pending_func = None
    skip_until = None       # "for"/"[[": skip words until this
    i = 0

    def cur_func():
        for e in reversed(stack):
            if isinstance(e, tuple):
                return e[1]
        return func

    def flush():
        nonlocal words, heredocs
        if words:
            cmds.append(Cmd(words, cur_func(), words[0].line, heredocs))
        words, heredocs = [], []

    while i < len(toks):
        kind, tok, line = toks[i]
        mode = stack[-1] if stack and isinstance(stack[-1], str) and stack[-1].startswith("case") else None
        if skip_until:
            if kind == "w" and tok.raw == "]]" and skip_until == "]]":
                skip_until = None
            elif kind == "op" and tok in (";", "\n") and skip_until == "for":
                skip_until = None
                at_cmd = True
            i += 1
            continue
        if mode == "case-pat":
            if kind == "w" and tok.raw == "esac" and at_cmd:
                stack.pop()
                at_cmd = False
            elif kind == "op" and tok == ")":
                stack[-1] = "case-body"
                at_cmd = True
            elif kind == "op" and tok == "\n":
                at_cmd = True
            elif kind == "w":
                at_cmd = False
            i += 1
            continue
        if kind == "arith":
            flush()
            at_cmd = False
        elif kind == "op":
            if tok in REDIRS:
                # the next word is the target (or the here-doc delimiter)
                if i + 1 < len(toks) and toks[i + 1][0] == "w":
                    t = toks[i + 1][1]
                    if t.heredoc is not None:
                        heredocs.append(t.heredoc)
                    i += 1
            elif tok in (";;", ";&", ";;&") and mode == "case-body":
                flush()
                stack[-1] = "case-pat"
                at_cmd = True
            elif tok == "(" and at_cmd and not words:
                stack.append(("func", pending_func, "(") if pending_func else "(")
                pending_func = None
            elif tok == "(" and len(words) == 1 and i + 1 < len(toks) and toks[i + 1][1] == ")":
                # "name() {": a function definition
                pending_func = words[0].value
                cmds.append(Cmd([], pending_func, line, []))    # marks the definition
                words = []
                i += 2
                at_cmd = True
                continue
            elif tok == ")":
                flush()
                if stack and (stack[-1] == "(" or (isinstance(stack[-1], tuple) and stack[-1][2] == "(")):
                    stack.pop()
                at_cmd = False
            else:
                flush()
                at_cmd = True
        else:   # a word
            r = tok.raw
            if at_cmd and not words:
                if ASSIGN.match(r):
                    i += 1
                    continue
                if r in RESERVED_CONT:
                    i += 1
                    continue
                if r in RESERVED_END:
                    at_cmd = False
                    i += 1
                    continue
                if r == "{":
                    stack.append(("func", pending_func, "{") if pending_func else "{")
                    pending_func = None
                    i += 1
                    continue
                if r == "}":
                    if stack and (stack[-1] == "{" or isinstance(stack[-1], tuple)):
                        stack.pop()
                    at_cmd = False
                    i += 1
                    continue
                if r in ("for", "select"):
                    skip_until = "for"
                    i += 1
                    continue
                if r == "[[":
                    skip_until = "]]"
                    i += 1
                    continue
                if r == "case":
                    # case WORD in
                    stack.append("case-pat")
                    i += 3
                    at_cmd = True
                    continue
                if r == "function" and i + 1 < len(toks):
                    pending_func = toks[i + 1][1].value
                    cmds.append(Cmd([], pending_func, line, []))
                    i += 2
                    if i + 1 < len(toks) and toks[i][1] == "(" and toks[i + 1][1] == ")":
                        i += 2
                    continue
            words.append(tok)
            at_cmd = False
        i += 1
    flush()
    return cmds

# ----------------------------------------------------- command resolution

class Scan:
    def __init__(self, cmds, dynamic, files):
        self.cmds = cmds        # name -> set of "file:line"
        self.dynamic = dynamic  # (file, word) -> [targets]
        self.files = files      # repository files
        self.errors = []        # "file:line: message"
        self.dyn_used = set()

    def use(self, name, where):
        self.cmds.setdefault(name, set()).add(where)

    def error(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def dyn(self, path, line, word):
        key = (path, word)
        if key in self.dynamic:
            self.dyn_used.add(key)
            for t in self.dynamic[key]:
                if not t.startswith("@"):
                    self.use(t, f"{path}:{line}")
            return True
        return False

    # ---- shell

    def shell_file(self, path, text=None, funcs=None):
        text = open(path).read() if text is None else text
        try:
            cmds = parse_shell(text)
        except (SyntaxError, IndexError) as e:
            self.error(path, f"cannot parse: {e}")
            return
        funcs = dict(funcs or {})
        # Functions of the file, and those of the files it sources.
        for c in cmds:
            if c.words and c.words[0].value in (".", "source") and len(c.words) > 1:
                src = c.words[1].value
                for base in (os.path.dirname(path), "."):
                    p = os.path.normpath(os.path.join(base, src))
                    if os.path.isfile(p):
                        funcs.update(self.functions(parse_shell(open(p).read())))
        funcs.update(self.functions(cmds))
        self.shell_cmds(path, cmds, funcs)

    @staticmethod
    def functions(cmds):
        """name -> (index of the first argument it runs as a command, or
        None; set of argument numbers it evals). Functions that run "$@"
        after k shifts run their arguments from the (k+1)th on."""
        funcs, shifts = {}, {}
        for c in cmds:
            if not c.func:
                continue
            f = funcs.setdefault(c.func, [None, set()])
            w = c.words
            if not w:
                continue
            if w[0].value == "shift":
                shifts[c.func] = shifts.get(c.func, 0) + (int(w[1].value) if len(w) > 1 and w[1].value.isdigit() else 1)
            elif w[0].raw in ('"$@"', "$@"):
                f[0] = shifts.get(c.func, 0)
            elif w[0].value == "eval":
                for a in w[1:]:
                    m = re.fullmatch(r'"?\$\{?([1-9])\}?"?', a.raw)
                    if m:
                        f[1].add(int(m.group(1)))
        return funcs

    def shell_cmds(self, path, cmds, funcs):
        for c in cmds:
            self.invoke(path, c.words, c, funcs, 0)

    def shell_text(self, path, text, line, c, funcs):
        try:
            sub = parse_shell(text, line, c.func)
        except (SyntaxError, IndexError) as e:
            self.error(f"{path}:{line}", f"cannot parse: {e}")
            return
        for s in sub:
            self.invoke(path, s.words, s, funcs, 1)

    def invoke(self, path, words, c, funcs, depth):
        where = f"{path}:{c.line}"
        while words and ASSIGN.match(words[0].raw):
            words = words[1:]
        if not words or depth > 8:
            return
        w0 = words[0]
        args = words[1:]
        name = w0.value
        if not w0.literal:
            if w0.raw in ('"$@"', "$@") and c.func in funcs:
                return      # the function's callers are resolved instead
            if not self.dyn(path, c.line, w0.raw):
                self.error(where, f"command word {w0.raw} is not literal: "
                           f"add 'dynamic {path} {w0.raw} COMMAND...' to {MAP}")
            return
        if name in funcs:
            run_at, evals = funcs[name]
            if run_at is not None and len(args) > run_at:
                self.invoke(path, args[run_at:], c, funcs, depth + 1)
            for n in evals:
                if len(args) >= n:
                    self.eval_word(path, args[n - 1], c, funcs, where)
            return
        if name == "eval":
            if c.func in funcs and all(re.fullmatch(r'"?\$\{?[1-9@]\}?"?', a.raw) for a in args):
                return      # evals the function's arguments: see its callers
            for a in args:
                self.eval_word(path, a, c, funcs, where)
            return
        if name == "command":
            if args and args[0].value in ("-v", "-V"):
                return      # a lookup, not a run
            return self.invoke(path, [a for a in args if a.value != "-p"], c, funcs, depth + 1)
        if name == "exec":
            rest = list(args)
            while rest and rest[0].value.startswith("-"):
                rest = rest[2:] if rest[0].value == "-a" else rest[1:]
            return self.invoke(path, rest, c, funcs, depth + 1)
        if name in BUILTINS or name in (":", ".", "[", "source"):
            return
        if "/" in name:
            # a program of the repository, or a system path
            cands = [name, os.path.join(os.path.dirname(path), name)]
            for pre in ("$top/", "$TOP/", "$(TOP)/", "$here/"):
                if name.startswith(pre):
                    cands.append(name[len(pre):])
            if any(os.path.normpath(p) in self.files for p in cands):
                return
            if name.startswith("/"):
                self.use(os.path.basename(name), where)
            else:
                self.error(where, f"{name}: not a file of the repository")
            return
        self.use(name, where)
        # Programs that run another program given as an argument.
        if name in ("env", "nice", "nohup", "timeout", "stdbuf", "xargs", "chroot", "setsid", "sudo"):
            rest = list(args)
            with_arg = {"xargs": {"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter",
                                  "--max-args", "--max-procs", "--max-chars", "--max-lines"},
                        "nice": {"-n"}, "timeout": {"-s", "-k", "--signal", "--kill-after"},
                        "env": {"-u", "-C", "-S"}, "chroot": {"--userspec", "--groups"},
                        "sudo": {"-u", "-g"}}.get(name, set())
            while rest and (rest[0].value.startswith("-") or (name == "env" and ASSIGN.match(rest[0].raw))):
                rest = rest[2:] if rest[0].value in with_arg else rest[1:]
            if name in ("timeout", "chroot") and rest:
                rest = rest[1:]         # the duration, the new root
            if name == "xargs" and not rest:
                self.use("echo", where)
            self.invoke(path, rest, c, funcs, depth + 1)
        elif name == "find":
            for k, a in enumerate(args):
                if a.value in ("-exec", "-execdir", "-ok", "-okdir"):
                    end = next((j for j in range(k + 1, len(args)) if args[j].value in (";", "+")), len(args))
                    self.invoke(path, args[k + 1:end], c, funcs, depth + 1)
        elif name in ("sh", "bash", "dash"):
            for k, a in enumerate(args[:-1]):
                if a.value == "-c":
                    self.eval_word(path, args[k + 1], c, funcs, where)
                    break
        elif re.fullmatch(r"python3?(\.\d+)?", name):
            vals = [a.value for a in args]
            if "-c" in vals and vals.index("-c") + 1 < len(args):
                code = args[vals.index("-c") + 1]
                if code.literal:
                    self.python_text(path, code.value, c.line)
                else:
                    self.error(where, f"python3 -c {code.raw}: code is not literal")
            elif "-" in vals or not vals:
                for body in c.heredocs:
                    self.python_text(path, body, c.line + 1)

    def eval_word(self, path, w, c, funcs, where):
        if not w.literal:
            if not self.dyn(path, c.line, w.raw):
                self.error(where, f"evaluated text {w.raw} is not literal: "
                           f"add 'dynamic {path} {w.raw} COMMAND...' to {MAP}")
            return
        self.shell_text(path, w.value, c.line, c, funcs)

    # ---- python

    SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}

    def python_file(self, path):
        self.python_text(path, open(path).read(), 1)

    def python_text(self, path, text, line0):
        try:
            tree = ast.parse(text)
        except SyntaxError as e:
            self.error(f"{path}:{line0}", f"cannot parse Python: {e}")
            return
        consts = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        # Functions and methods that pass one of their parameters to a
        # subprocess call: name -> (parameter index, shell)
        wrappers = {}
        parents = {}
        for node in ast.walk(tree):
            for ch in ast.iter_child_nodes(node):
                parents[ch] = node
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = [a.arg for a in fn.args.args]
            if params and params[0] == "self":
                params = params[1:]
            for call in ast.walk(fn):
                got = self.py_spawn(call)
                if got and isinstance(got[0], ast.Name) and got[0].id in params:
                    wrappers[fn.name] = (params.index(got[0].id), got[1])
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            where_line = line0 + getattr(call, "lineno", 1) - 1
            got = self.py_spawn(call)
            fname = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            if not got and fname in wrappers:
                k, shell = wrappers[fname]
                if len(call.args) > k:
                    got = (call.args[k], shell)
            if not got:
                continue
            arg, shell = got
            fn = parents.get(call)
            while fn is not None and not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                fn = parents.get(fn)
            if fn is not None and fname not in wrappers and isinstance(arg, ast.Name) and \
                    arg.id in [a.arg for a in fn.args.args] and fn.name in wrappers:
                continue    # the wrapper itself: its callers are resolved
            self.py_arg(path, where_line, arg, shell, fn, consts)

    def py_spawn(self, call):
        """(program argument, shell) of a call that starts a program."""
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            return None
        mod = getattr(call.func.value, "id", None)
        attr = call.func.attr
        shell = any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value for k in call.keywords)
        first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "args"), None)
        if first is None:
            return None
        if mod == "subprocess" and attr in self.SUBPROCESS:
            return first, shell or attr in ("getoutput", "getstatusoutput")
        if mod == "os" and attr in ("system", "popen"):
            return first, True
        if mod == "os" and (attr.startswith("exec") or attr.startswith("spawn")):
            return (call.args[1] if attr.startswith("spawn") and len(call.args) > 1 else first), False
        if mod == "shutil" and attr == "which":
            return first, False
        if mod == "asyncio" and attr in ("create_subprocess_exec", "create_subprocess_shell"):
            return first, attr.endswith("shell")
        return None

    def py_arg(self, path, line, arg, shell, fn, consts):
        where = f"{path}:{line}"
        if isinstance(arg, ast.BinOp) and isinstance(arg.left, (ast.List, ast.Tuple)):
            arg = arg.left      # ["prog", ...] + more
        if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts:
            arg = arg.elts[0]
            shell = False
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if shell:
                fake = Cmd([Word("", "", True, line)], None, line, [])
                self.shell_text(path, arg.value, line, fake, {})
            else:
                self.use(arg.value, where)
            return
        if ast.unparse(arg) == "sys.executable":
            self.use("python3", where)
            return
        # A local list "cmd = [...]" in the same function.
        if isinstance(arg, ast.Name) and fn is not None:
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == arg.id for t in node.targets) \
                        and isinstance(node.value, (ast.List, ast.Tuple)) and node.value.elts:
                    return self.py_arg(path, line, node.value, False, fn, consts)
        src = ast.unparse(arg).replace(" ", "")
        if self.dyn(path, line, src):
            for t in self.dynamic[(path, src)]:
                if not t.startswith("@") and t not in consts:
                    self.error(where, f"{MAP}: dynamic target {t} does not appear in {path}")
            return
        self.error(where, f"program {src} is not literal: add 'dynamic {path} {src} COMMAND...' to {MAP}")

    # ---- make

    def makefile(self, path):
        # Logical lines (backslash continuations joined), with the number
        # of their first physical line.
        lines, cont = [], None
        for num, raw in enumerate(open(path).read().split("\n"), 1):
            if cont is not None:
                cont = (cont[0], cont[1] + " " + raw.lstrip("\t"))
            else:
                cont = (num, raw)
            if raw.endswith("\\"):
                cont = (cont[0], cont[1][:-1])
                continue
            lines.append(cont)
            cont = None
        if cont is not None:
            lines.append(cont)
        var = {"MAKE": "make", "CC": "cc", "RM": "rm -f"}
        defined, var_line = set(), {}
        for n, ln in lines:
            if ln.startswith("\t"):
                continue
            m = re.match(r"\s*(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:=|::=|\+=|=)\s*(.*)$", ln)
            if not m:
                continue
            name, op, val = m.groups()
            if op == "+=":
                var[name] = var.get(name, "") + " " + val
            elif name not in defined:
                var[name] = val
                defined.add(name)
            var_line.setdefault(name, n)
        self.mvar = var
        for k, v in var.items():    # for $(shell ...) in assignments
            self.make_expand(v, path, var_line.get(k, 0))
        if "SHELL" in var:
            self.use(os.path.basename(self.make_expand(var["SHELL"], path, 0).split()[0]), f"{path}: SHELL")
        for n, ln in lines:
            if not ln.startswith("\t"):
                continue
            rec = self.make_expand(ln.strip(), path, n)
            rec = rec.lstrip("@-+ ").replace("\0", "$")
            if not rec or rec.startswith("MAKEFN"):
                continue
            fake = Cmd([Word("", "", True, n)], None, n, [])
            self.shell_text(path, rec, n, fake, {})

    def make_expand(self, s, path, line, depth=0):
        """Expand make variables; "$$" becomes "\0" (a shell "$")."""
        out, i = [], 0
        while i < len(s):
            c = s[i]
            if c != "$" or i + 1 >= len(s):
                out.append(c)
                i += 1
                continue
            n = s[i + 1]
            if n == "$":
                out.append("\0")
                i += 2
            elif n in "({":
                close = ")" if n == "(" else "}"
                j = match_close(s, i + 2, n, close)
                inner = s[i + 2:j]
                i = j + 1
                m = re.match(r"([a-z-]+)\s+(.*)$", inner, re.S)
                if m and m.group(1) in ("shell", "if", "filter", "filter-out", "wildcard", "notdir",
                                        "basename", "abspath", "addprefix", "addsuffix", "patsubst",
                                        "dir", "lastword", "firstword", "or", "and", "file", "error",
                                        "warning", "info", "foreach", "subst", "origin", "sort", "strip",
                                        "realpath", "word", "words", "call", "value", "eval"):
                    body = self.make_expand(m.group(2), path, line, depth + 1)
                    if m.group(1) == "shell":
                        fake = Cmd([Word("", "", True, line)], None, line, [])
                        self.shell_text(path, body.replace("\0", "$"), line, fake, {})
                    out.append("MAKEFN")
                elif ":" in inner and "=" in inner:     # $(VAR:a=b)
                    out.append(self.make_expand(self.mvar.get(inner.split(":")[0], ""), path, line, depth + 1))
                elif inner in ("@D", "@F", "<D", "<F", "^D"):
                    out.append("AUTOVAR")
                elif depth < 20:
                    out.append(self.make_expand(self.mvar.get(inner, ""), path, line, depth + 1))
            else:
                out.append("AUTOVAR" if n in "@<^?*%+|" else self.mvar.get(n, ""))
                i += 2
        return "".join(out)

# ------------------------------------------------------------------- main

n = 0
failed = 0


def tap(ok, desc, diag=()):
    global n, failed
    n += 1
    failed += not ok
    print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
    for d in diag:
        print(f"#   {d}")


base, cmdmap, dynamic, maperr = read_map(MAP)
installed = read_pkg_list("scripts/packages.host") | read_pkg_list("scripts/packages.cross")
tap(not maperr and len(base) > 50, f"{MAP} parses ({len(cmdmap)} commands, {len(base)} minbase packages)", maperr)

# Files of the repository (tracked, or new and not ignored: not build/).
files = set(subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, text=True).stdout.split())
scan = Scan({}, dynamic, files)

sources = []
for mk in ("Makefile", "tools/memctl/Makefile"):
    if os.path.isfile(mk):
        sources.append(mk)
        scan.makefile(mk)
shell_files = sorted(set(glob.glob("scripts/*.sh") + glob.glob("tests/host/*.sh") +
                         glob.glob("tools/memctl/tests/*.sh") + glob.glob(".ci/*")))
for p in shell_files:
    first = open(p).readline()
    if p.endswith(".sh") or re.match(r"#!.*\b(ba|da)?sh\b", first):
        sources.append(p)
        scan.shell_file(p)
for p in sorted(glob.glob("scripts/*.py")):
    sources.append(p)
    scan.python_file(p)

tap(not scan.errors, f"every command word in {len(sources)} files is understood", scan.errors)

where = lambda name: ", ".join(sorted(scan.cmds[name], key=lambda s: (s.split(":")[0], int(s.split(":")[1]) if s.split(":")[1:] and s.split(":")[1].isdigit() else 0))[:4])
for name in sorted(scan.cmds):
    pkg = cmdmap.get(name, (None, None))[1]
    if pkg is None:
        tap(False, f"{name}: not in {MAP} # used at {where(name)}")
    elif pkg in installed:
        tap(True, f"{name}: {pkg}, installed by scripts/deps.sh")
    elif pkg in base:
        tap(True, f"{name}: {pkg}, part of minbase")
    else:
        tap(False, f"{name}: package {pkg} is neither installed by scripts/deps.sh nor part of minbase # used at {where(name)}")

bad = [f"{c} -> {p}" for c, (_, p) in sorted(cmdmap.items()) if p not in installed and p not in base]
tap(not bad, f"every package named by {MAP} is installed by deps.sh or in minbase", bad)

stale = [f"dynamic {f} {w}" for (f, w) in dynamic if (f, w) not in scan.dyn_used]
tap(not stale, f"every 'dynamic' entry of {MAP} matches a command word", stale)

# The map against the dpkg database of this host, for commands installed here
# in the system directories (not pyenv, /usr/local, ...).
paths, owner = {}, {}
for name in cmdmap:
    for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            real = os.path.realpath(p)
            paths[name] = sorted({p, real, "/usr" + real if not real.startswith("/usr/") else real,
                                  real[4:] if real.startswith("/usr/") else real})
            break
if paths and subprocess.run(["sh", "-c", "command -v dpkg"], capture_output=True).returncode == 0:
    allp = sorted({p for v in paths.values() for p in v})
    out = subprocess.run(["dpkg", "-S"] + allp, capture_output=True, text=True).stdout
    for ln in out.splitlines():
        if ln.startswith("diversion ") or ": " not in ln:
            continue
        pk, p = ln.split(": ", 1)
        for pkname in pk.split(", "):
            owner.setdefault(p, set()).add(pkname.split(":")[0])
    wrong = []
    checked = 0
    for name, ps in sorted(paths.items()):
        got = set().union(*(owner.get(p, set()) for p in ps))
        if not got:
            continue
        checked += 1
        if cmdmap[name][0] not in got:
            wrong.append(f"{name}: map says {cmdmap[name][0]}, dpkg -S says {', '.join(sorted(got))}")
    tap(not wrong, f"{MAP} agrees with dpkg -S for the {checked} mapped commands installed on this host", wrong)

print(f"1..{n}")
sys.exit(1 if failed else 0)
PY
