"""The GIL is released while embedding: other threads run, and threads embed concurrently."""

import threading
import time

import numpy as np

import gembed

LONG = "The committee met on a rainy Tuesday to review the budget of the library network. " * 120


def test_two_threads_embed_concurrently(model):
    texts = [[f"thread {t} text {i} " + LONG[: 200 * (i + 1)] for i in range(12)] for t in range(2)]
    want = [model.encode(t) for t in texts]
    got = [None, None]
    errors = []

    def work(k):
        try:
            for _ in range(3):
                got[k] = model.encode(texts[k], batch_size=4)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(2):
        np.testing.assert_allclose(got[k], want[k], atol=1e-6)


def test_other_python_threads_run_while_embedding(tiny_text_dir):
    # One compute thread, so a core is left for this thread's Python loop.
    m = gembed.Model(tiny_text_dir, threads=1)
    texts = [LONG] * 6  # one call, one chunk: if it held the GIL, nothing else would run
    start = time.monotonic()
    m.encode(texts)
    duration = time.monotonic() - start
    assert duration > 0.05, "the workload is too small to tell"

    done = threading.Event()
    errors = []

    def work():
        try:
            m.encode(texts)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        finally:
            done.set()  # always: an exception must fail the test, not hang it

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        ticks.append(time.monotonic())
        time.sleep(0.001)
    worker.join(timeout=10)
    assert done.is_set(), "the embedding thread did not finish in 120 s"
    assert not errors, errors
    gaps = np.diff(ticks)
    # With the GIL held for the call, this loop would stall for (nearly) all of it.
    assert len(ticks) > 10
    assert gaps.max() < duration / 2, (gaps.max(), duration)
