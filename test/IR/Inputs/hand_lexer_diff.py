"""Checks that the scanner's hand-matched tokens (lib/IR/lexer.l, t2n_yylex)
are exactly flex's: every input is read by t2n-opt twice, once as it runs and
once with T2N_LEX_DFA_ONLY=1 (flex's rules alone), and the two runs must
print the same output, the same diagnostics and exit the same way.

Inputs: the given files and, from each, mutants that change one byte of a
line into one the hand matcher stops at or steps over (spaces, '%', ':',
',', parentheses, brackets, '=', '#', '.', '?', a newline, letters, digits,
bytes of UTF-8), seeded, so near-misses of the common line shapes are
compared as well as the lines themselves.
Usage: hand_lexer_diff.py T2N_OPT WORKDIR MUTANTS_PER_FILE FILE..."""
import os
import random
import subprocess
import sys

PIECES = [" ", "  ", "%", ":", " : ", ",", ", ", "(", ")", "[", "]", "[]", "?", "=", " = ", "#", " #", ".",
          "\n", "\n  ", "::", "a", "Z", "_", "0", "9", "\xe9", "\t", "\r", "()", "):", "->", "return ", "block0():",
          "graph(", "%x : Tensor"]


def run(opt, path, dfa_only):
    env = dict(os.environ)
    env.pop("T2N_LEX_DFA_ONLY", None)
    if dfa_only:
        env["T2N_LEX_DFA_ONLY"] = "1"
    p = subprocess.run([opt, path], capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr


def main(argv):
    opt, work, per = argv[1], argv[2], int(argv[3])
    os.makedirs(work, exist_ok=True)
    rng = random.Random(12)
    cases = []
    for f in argv[4:]:
        text = open(f, encoding="utf-8").read()
        cases.append((f, text))
        for k in range(per):
            i = rng.randrange(len(text) + 1)
            j = min(len(text), i + rng.choice([0, 0, 1, 1, 2, 3]))
            cases.append(("%s mutant %d" % (f, k), text[:i] + rng.choice(PIECES) + text[j:]))
    bad = 0
    accepted = 0
    for n, (name, text) in enumerate(cases):
        path = os.path.join(work, "case.graph")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        a, b = run(opt, path, False), run(opt, path, True)
        accepted += a[0] == 0
        if a != b:
            bad += 1
            keep = os.path.join(work, "differs-%d.graph" % n)
            os.replace(path, keep)
            print("differs: %s (kept as %s)\n  hand: rc %d %r\n  flex: rc %d %r" %
                  (name, keep, a[0], a[2][:300], b[0], b[2][:300]))
    print("hand lexer: %d inputs (%d accepted), %d differ" % (len(cases), accepted, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
