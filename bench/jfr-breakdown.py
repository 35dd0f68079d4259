#!/usr/bin/env python3
"""Groups a sidecar JFR recording's CPU-time samples by what the sidecar was doing.

Usage: jfr print --json --stack-depth 64 --events jdk.CPUTimeSample REC.jfr > cpu.json
       python3 bench/jfr-breakdown.py cpu.json [CPU_US_PER_CALL]

Each sample is put in the first group whose rule matches its thread and stack (rules below, most
specific first). With CPU_US_PER_CALL (the sidecar's CPU time per call, e.g. from
/proc/PID/task/*/stat over a known number of calls) the table also shows µs per call.
Start-up samples (schema loading, main) are left out. See bench/PROFILE.md.
"""
import collections
import json
import re
import sys

SYSCALL_LEAVES = ("SocketDispatcher", "Net.poll", "EPoll", "EventFD", "IOUtil")


def group(thread, frames):
    def has(*parts):
        return any(p in f for f in frames for p in parts)

    syscall = bool(frames) and any(s in frames[0] for s in SYSCALL_LEAVES)
    if thread == "HTTP-Dispatcher":
        return "JDK HttpServer: dispatcher thread (select, re-register, hand-off)"
    if thread == "ForkJoinPool-1-worker" or (thread == "virtual" and not has("ServerImpl$Exchange.run")):
        return "virtual-thread scheduling (FJP park/unpark, mount)"
    if thread == "qmp-timer" or has("ScheduledThreadPoolExecutor", "DelayedWorkQueue"):
        return "QmpClient: per-command deadline timer"
    if has("SidecarMetrics", "micrometer"):
        return "metrics (Micrometer timer per command)"
    if has("QmpTransport.writeLine"):
        return "syscall: QMP command write"
    if has("QmpTransport.readLine"):
        return "syscall: QMP reply read"
    if has("QmpSession.parse"):
        return "Jackson: parse the QMP reply into a tree"
    if has("QmpSession.send"):
        return "QmpClient: encode the command, register it as pending"
    if has("EventFD", "ServerImpl.addEvent"):
        return "JDK HttpServer: wake the dispatcher after the answer"
    if has("JsonExchange.send", "HttpConnection.writeResponse") and syscall:
        return "syscall: HTTP answer write"
    if has("HttpRequestHead.read") and syscall:
        return "syscall: HTTP request read"
    if has("DateTimeFormatter"):
        return "HTTP Date header"
    if has("sendResponseHeaders", "HttpConnection.writeResponse"):
        return "HTTP answer head"
    if has("writeValueAsBytes") and has("JsonExchange"):
        return "Jackson: encode the HTTP body"
    if has("ExchangeImpl.<init>", "sun.net.httpserver.Request", "Headers", "HttpRequestHead", "ServerExchange.of"):
        return "HTTP request line + headers"
    if has("JsonExchange.body"):
        return "HTTP body read"
    if has("QapiSchema", "ArgumentValidator", "QmpDialect", "CommandGateway.run"):
        return "gateway: schema lookup, validation, dialect"
    if has("CompletableFuture"):
        return "futures: completion chain"
    return "other (" + thread + ")"


def main():
    events = json.load(open(sys.argv[1]))["recording"]["events"]
    per_call = float(sys.argv[2]) if len(sys.argv) > 2 else None
    counts = collections.Counter()
    for event in events:
        values = event["values"]
        t = values["eventThread"]
        thread = "virtual" if t.get("virtual") else (t.get("javaName") or "?")
        thread = re.sub(r"-\d+$", "", re.sub(r"-s\d+\.sock$|-[^-]*\.sock$", "", thread))
        stack = values.get("stackTrace")
        frames = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
                  for f in stack["frames"]] if stack else []
        if thread in ("main", "qmp-connect") or "JFR" in thread or any(
                "QapiSchema$BundledSchema" in f or "SidecarMain" in f for f in frames):
            continue
        counts[group(thread, frames)] += 1
    total = sum(counts.values())
    print(f"| what | samples | share |" + (" µs per call |" if per_call else ""))
    print("|---|---|---|" + ("---|" if per_call else ""))
    for name, n in counts.most_common():
        row = f"| {name} | {n} | {100 * n / total:.1f}% |"
        if per_call:
            row += f" {per_call * n / total:.0f} |"
        print(row)
    print(f"| total | {total} | 100% |" + (f" {per_call:.0f} |" if per_call else ""))


if __name__ == "__main__":
    main()
