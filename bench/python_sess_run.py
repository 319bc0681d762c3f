"""sess.run overhead from Python: the twin of bench_sess_run (C++). A small
graph (y = relu(x . w + b) for a [1, 4] x, fed each call) is run many times;
the median per-call time is printed. bench/run.sh reports Python minus C++
(target: <= 5 us).

    python bench/python_sess_run.py [--iters N]

Prints one `RESULT lib=python sess_run_us_median=... ` line for scripts."""
import argparse
import time

import numpy as np

import keraspp.tensorflow as tf


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=20000)
    args = parser.parse_args()
    x = tf.placeholder(tf.float32, [1, 4], name="x")
    w = tf.constant(np.full((4, 4), 0.5, np.float32))
    b = tf.constant(np.full((4,), 0.1, np.float32))
    y = tf.nn.relu(tf.matmul(x, w) + b)
    feed = np.ones((1, 4), np.float32)
    with tf.Session() as sess:
        for _ in range(1000):
            sess.run(y, {x: feed})
        times = []
        for _ in range(args.iters):
            t0 = time.perf_counter()
            sess.run(y, {x: feed})
            times.append(time.perf_counter() - t0)
    us = np.array(times) * 1e6
    print("sess.run from Python: median %.2f us, p90 %.2f us" % (np.median(us), np.percentile(us, 90)))
    print("RESULT lib=python sess_run_us_median=%.2f sess_run_us_p90=%.2f"
          % (np.median(us), np.percentile(us, 90)))


if __name__ == "__main__":
    main()
