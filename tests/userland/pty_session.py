#!/usr/bin/env python3
"""Runs an interactive busybox shell on a real Linux pty, as the reference
for Hako's terminals. argv: busybox path, work directory, rows, cols.
stdin (JSON): {"env": {...}, optional "argv": [path, arg0, ...] to run instead, "ready": first_prompt_regex, "steps": [[send, until_regex_or_null, pause_ms], ...]}.
For each step the text is typed at the master; output is collected until
the regex matches what came since the previous step (or pause_ms passes
when it is null). ESC[6n is answered as a terminal does. Prints the list of
outputs (latin1 strings) as JSON."""
import json, os, re, select, sys, time, fcntl, termios, struct

busybox, work, rows, cols = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
spec = json.load(sys.stdin)
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    os.chdir(work)
    argv = spec.get("argv") or [busybox, "sh", "-i"]
    os.execve(argv[0], argv[1:] if spec.get("argv") else ["sh", "-i"], spec["env"])
os.close(slave)

def pump(buf, timeout):
    r, _, _ = select.select([master], [], [], timeout)
    if not r:
        return buf, False
    try:
        chunk = os.read(master, 65536).decode("latin1")
    except OSError:
        return buf, True
    for _ in range(chunk.count("\x1b[6n")):
        os.write(master, ("\x1b[%d;1R" % rows).encode())
    return buf + chunk, False

# The first prompt (the shell is reading) before typing, as in Hako.
buf, end = "", time.time() + 15
while time.time() < end and not re.search(spec["ready"], buf):
    buf, eof = pump(buf, 0.02)
    if eof:
        break

outs = []
for send, until, pause in spec["steps"]:
    os.write(master, send.encode("latin1"))
    buf, end = "", time.time() + (pause / 1000.0 if until is None else 15)
    while time.time() < end:
        buf, eof = pump(buf, 0.02)
        if eof or (until is not None and re.search(until, buf)):
            break
    outs.append(buf)
try:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
except OSError:
    pass
print(json.dumps(outs))
