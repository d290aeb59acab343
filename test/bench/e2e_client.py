#!/usr/bin/env python3
"""Sequential keep-alive client for test/bench/e2e-callgrind.sh.

Sends COUNT requests one after another on one connection, each with the headers Azure API
Management adds when it forwards a call (the same set as apim.lua: x-dd-proxy*, a W3C
traceparent, user-agent and accept), reads each response whole and fails on anything but
200. curl in a loop pays a process and a connection per request; wrk's pacing is not a
fixed count. Under callgrind a fixed count of requests is what makes two runs comparable.

  e2e_client.py PORT PATH COUNT [--plain]
"""
import socket
import sys
import time


def request_bytes(port, path, number, apim):
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if apim:
        lines += [
            "x-dd-proxy: azure-apim",
            f"x-dd-proxy-request-time-ms: {int(time.time()) * 1000}",
            "x-dd-proxy-httpmethod: GET",
            "x-dd-proxy-path: /api/widgets/{id}",
            "x-dd-proxy-domain-name: contoso-shop.azure-api.net",
            "x-dd-proxy-region: West Europe",
            f"traceparent: 00-{number:032x}-{number + 1:016x}-01",
            "user-agent: wrk",
            "accept: application/json",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock, pending):
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("the service closed the connection")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    length = 0
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("the service closed the connection mid-body")
        rest += chunk
    return status, rest[length:]


def main():
    port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    apim = "--plain" not in sys.argv[4:]
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = b""
    for number in range(1, count + 1):
        sock.sendall(request_bytes(port, path, number, apim))
        status, pending = read_response(sock, pending)
        if status != 200:
            raise SystemExit(f"request {number}: status {status}")
    sock.close()


if __name__ == "__main__":
    main()
