"""Shared pieces of the peer comparison: timing, the toolkit's CLI runner, output comparison.

Only NumPy is imported here, so the NetworKit 11.2 environment (numpy + networkit) can use it.
"""

import gc
import os
import re
import statistics
import subprocess
import time

import numpy as np


class ComparisonError(RuntimeError):
    """A step of the comparison failed; the message names the step."""


def timed(job):
    """Runs `job()` once after a garbage collection; returns (seconds, job's result)."""
    gc.collect()
    started = time.perf_counter()
    result = job()
    return time.perf_counter() - started, result


def summarize(seconds):
    """Median, min and max of a list of seconds."""
    return statistics.median(seconds), min(seconds), max(seconds)


def eigenvector_convention(x):
    """Unit L2 norm, signed so that the entries sum to a positive number (the toolkit's
    convention; NetworkX's and NetworKit's too, up to their own normalisation)."""
    x = np.asarray(x, dtype=np.float64)
    norm = np.linalg.norm(x)
    if norm == 0:
        return x
    x = x / norm
    return -x if x.sum() < 0 else x


def differences(reference, other):
    """(largest |other − reference|, largest |other − reference| / |reference| over the entries
    where the reference is non-zero). Shapes must agree."""
    reference = np.asarray(reference, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if reference.shape != other.shape:
        raise ComparisonError(f"output shapes differ: toolkit {reference.shape}, peer {other.shape}")
    delta = np.abs(other - reference)
    nonzero = reference != 0
    relative = float(np.max(delta[nonzero] / np.abs(reference[nonzero]))) if nonzero.any() else 0.0
    return float(delta.max()) if delta.size else 0.0, relative


_SECONDS = re.compile(r"([0-9]+(?:\.[0-9]+)?) s\s*$")


class Toolkit:
    """The `graphprune` binary, run as a subprocess: every call is timed as a whole process
    (wall clock, including process start and file I/O)."""

    def __init__(self, binary):
        self.binary = binary

    def run(self, arguments, stamp_lines=False):
        """Runs `graphprune ARGUMENTS`; returns (wall seconds, stdout, stderr lines). With
        `stamp_lines`, stderr lines come as (seconds since start, text) pairs read as they
        appear. Raises ComparisonError (with stderr) on a non-zero exit."""
        command = [self.binary, *arguments]
        gc.collect()
        started = time.perf_counter()
        if stamp_lines:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = [(time.perf_counter() - started, line.rstrip("\n")) for line in process.stderr]
            stdout = process.stdout.read()
            code = process.wait()
            wall = time.perf_counter() - started
            text = "\n".join(line for _, line in lines)
        else:
            done = subprocess.run(command, capture_output=True, text=True)
            wall = time.perf_counter() - started
            code, stdout, text = done.returncode, done.stdout, done.stderr
            lines = text.splitlines()
        if code != 0:
            raise ComparisonError(f"graphprune {' '.join(arguments)} exited with {code}:\n{text.strip()}")
        return wall, stdout, lines

    @staticmethod
    def reported_seconds(lines):
        """The seconds at the end of the toolkit's one-line summary (`…, 0.123 s`)."""
        for line in reversed(lines):
            match = _SECONDS.search(line)
            if match:
                return float(match.group(1))
        raise ComparisonError("the toolkit printed no summary line ending in seconds: " + " | ".join(lines))


def read_score_csv(path, column="score"):
    """A toolkit CSV (`node,score` or `neuron,score,rank,kept`) as a float64 vector in id order."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    ids = data[:, 0].astype(np.int64)
    if not np.array_equal(ids, np.arange(len(ids))):
        raise ComparisonError(f"{path}: ids are not 0..n−1 in order")
    return data[:, header.index(column)]


def thread_count():
    """The thread count both sides were given (compare-peers exports it)."""
    return int(os.environ.get("COMPARE_PEERS_THREADS", "1"))
