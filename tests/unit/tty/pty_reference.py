#!/usr/bin/env python3
"""Runs terminal scenarios on a real Linux pty and prints what happened, as
the reference for Hako's line discipline. Input (stdin, JSON): a list of
scenarios, each {"iflag","oflag","lflag", optional "cc": {index: value},
"steps": [{"in": [bytes]} | {"write": [bytes]} | {"read": true}]}.
Output: per scenario a list of step results {"out": [bytes from the master],
"reads": [[bytes], ...]} where an empty read is an end-of-file."""
import json, os, select, sys, termios, time, errno, fcntl, threading

def drain(fd, quiet=0.05):
    data = b""
    while True:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            return data
        try:
            chunk = os.read(fd, 65536)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EIO):
                return data
            raise
        if not chunk:
            return data
        data += chunk

def run(sc):
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[0], attrs[1], attrs[3] = sc["iflag"], sc["oflag"], sc["lflag"]
    cc = attrs[6]
    for k, v in sc.get("cc", {}).items():
        cc[int(k)] = bytes([v]) if int(k) not in (termios.VMIN, termios.VTIME) else v
    cc[termios.VMIN] = 1 if not (sc["lflag"] & termios.ICANON) else cc[termios.VMIN]
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    # Reads are non-blocking; writes go through a second, blocking open of
    # the slave on a thread, since a write to a stopped (XOFF) terminal waits.
    writer = os.open(os.ttyname(slave), os.O_WRONLY | os.O_NOCTTY)
    fcntl.fcntl(slave, fcntl.F_SETFL, os.O_NONBLOCK)
    threads = []
    results = []
    for st in sc["steps"]:
        res = {"out": [], "reads": []}
        if "in" in st:
            for b in st["in"]:
                os.write(master, bytes([b]))
                time.sleep(0.002)  # typed one key at a time, as a person would
        if "write" in st:
            t = threading.Thread(target=os.write, args=(writer, bytes(st["write"])))
            t.start()
            threads.append(t)
        if st.get("read"):
            time.sleep(0.05)
            while True:
                try:
                    chunk = os.read(slave, 4096)
                except OSError as e:
                    if e.errno == errno.EAGAIN:
                        break
                    raise
                res["reads"].append(list(chunk))
        res["out"] = list(drain(master))
        results.append(res)
    for t in threads:
        t.join()
    os.close(writer)
    os.close(master)
    os.close(slave)
    return results

print(json.dumps([run(sc) for sc in json.load(sys.stdin)]))
