"""``POST /api/v1/match`` requests per second, next to a bare Litestar handler in the same run.

    .venv/bin/python -m bench.match_api [--seconds 15] [--concurrency 8]

Starts ``registry serve --demo`` (embedded PostgreSQL in a temporary data directory, one
process) and a bare Litestar app that answers the same request with a small JSON object, both
on 127.0.0.1, then drives each with ``--concurrency`` clients for ``--seconds`` (loopback
only, bounded). A request is one query of a company described as a procurement system
writes it (name with a spelt-out legal form, country, an identifier in another format).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

QUERIES: list[dict[str, Any]] = [
    {"q": {"schema": "Company", "properties": {
        "name": ["ACME CONSTRUCTION LIMITED LIABILITY COMPANY"], "country": ["gb"]}}},
    {"q": {"schema": "Company", "properties": {
        "name": ["Tovarystvo z obmezhenoiu vidpovidalnistiu Budivelna kompaniia Dnipro"],
        "country": ["ua"], "registrationNumber": ["UA-EDR:34567890"]}}},
    {"q": {"schema": "Company", "properties": {
        "name": ["Müller Bau Gesellschaft mit beschränkter Haftung"],
        "registrationNumber": ["Amtsgericht Charlottenburg HRB 12345 B"]}}},
    {"q": {"schema": "Person", "properties": {"name": ["Oleksandr Kovalenko"]}}},
]

BARE_APP = textwrap.dedent("""
    from litestar import Litestar, post

    @post("/api/v1/match", status_code=200)
    async def match(data: dict) -> dict:
        return {"responses": {"q": {"status": 200, "results": []}}}

    app = Litestar([match])
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait(url: str, proc: subprocess.Popen[bytes], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


async def _drive(url: str, seconds: float, concurrency: int) -> tuple[int, int, list[float]]:
    done = errors = 0
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal done, errors
        async with httpx.AsyncClient(timeout=30) as client:
            n = i
            while time.monotonic() < stop:
                body = {"queries": QUERIES[n % len(QUERIES)]}
                t = time.perf_counter()
                r = await client.post(url, json=body)
                latencies.append(time.perf_counter() - t)
                if r.status_code == 200:
                    done += 1
                else:
                    errors += 1
                n += 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return done, errors, latencies


def _report(label: str, done: int, errors: int, latencies: list[float], seconds: float) -> float:
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
    rate = done / seconds
    print(f"{label:28} {rate:9.1f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
          f"errors {errors}")
    return rate


async def measure(args: argparse.Namespace, port: int, bare_port: int,
                  registry: subprocess.Popen[bytes], bare: subprocess.Popen[bytes]) -> None:
    await _wait(f"http://127.0.0.1:{port}/health", registry)
    await _wait(f"http://127.0.0.1:{bare_port}/api/v1/match", bare)
    # Warm up (caches, the legal-form table, connections).
    await _drive(f"http://127.0.0.1:{port}/api/v1/match", 2, 2)
    print(f"{os.cpu_count()} CPUs, {args.concurrency} concurrent clients, "
          f"{args.seconds:.0f} s each; load average {os.getloadavg()[0]:.1f}")
    bare_rate = _report("bare Litestar handler", *await _drive(
        f"http://127.0.0.1:{bare_port}/api/v1/match", args.seconds, args.concurrency),
        args.seconds)
    rate = _report("POST /api/v1/match", *await _drive(
        f"http://127.0.0.1:{port}/api/v1/match", args.seconds, args.concurrency),
        args.seconds)
    print(f"ratio to the bare handler: {rate / bare_rate:.3f}; "
          f"per CPU: {rate / (os.cpu_count() or 1):.1f} req/s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-match-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env |= {"REGISTRY_DATA_DIR": tmp, "REGISTRY_LOG_LEVEL": "WARNING"}
        port, bare_port = _free_port(), _free_port()
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        registry = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "registry", "serve", "--demo", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bare = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "uvicorn", "--app-dir", tmp, "bare_app:app",
             "--port", str(bare_port), "--log-level", "warning", "--no-access-log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            asyncio.run(measure(args, port, bare_port, registry, bare))
        finally:
            for proc in (registry, bare):
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    main()
