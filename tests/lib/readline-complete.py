#!/usr/bin/env python3
"""readline-complete.py SCRIPT TEXT...: what an interactive bash makes of
TEXT followed by one TAB, with the completion SCRIPT sourced, as readline
really splits and completes it.  Prints one line per TEXT: the edit line
after the TAB.  A key bound with bind -x prints the line between markers,
so nothing depends on timing but an overall bound (exit 2 on timeout)."""
import os
import pty
import select
import sys
import time


def main():
    script, texts = sys.argv[1], sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["PS1"] = "$ "
        os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
    buf = b""

    def wait_for(token, timeout=20):
        nonlocal buf
        end = time.time() + timeout
        while token not in buf:
            if time.time() > end:
                sys.stderr.write("readline-complete: timeout; got %r\n" % buf[-400:])
                os.kill(pid, 9)
                sys.exit(2)
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    buf += os.read(fd, 4096)
                except OSError:
                    pass

    # (the markers are written in octal: the echo of this line has none)
    os.write(fd, (". '%s'; bind -x '\"\\C-t\": printf \"\\074@%%s@\\076\\n\" \"$READLINE_LINE\"'; "
                  "echo RE''ADY\n" % script).encode())
    wait_for(b"READY\r\n")
    for i, text in enumerate(texts):
        buf = b""
        os.write(fd, text.encode() + b"\t")
        os.write(fd, b"\x14")  # C-t: print the line
        wait_for(b"@>")
        line = buf[buf.rindex(b"<@") + 2:buf.rindex(b"@>")]
        print(line.decode(errors="replace"))
        os.write(fd, b"\x15")  # C-u: clear the line
    os.write(fd, b"exit\n")
    os.waitpid(pid, 0)


main()
